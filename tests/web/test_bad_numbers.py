"""Bad numbers sent to the pages: a query string that url_for would take as its own
arguments, digits that str.isdigit() takes but int() does not ("²"), ids past what the
database holds, and a callback's answer that is neither true nor false. Each gets the
page's own answer (a 404, the default page, a message), never a 500, and changes nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.models import (
    CalendarOverride,
    CaseEvent,
    DeadlinePolicy,
    Open311Key,
    OutboxMessage,
    RoutingRule,
    utcnow,
)
from app.sqlite import writing
from dispatch import open311_keys
from dispatch.fields import whole_number
from notifications import delivery, outbox

B = 99999999999999999999
# Past PostgreSQL's INTEGER, past SQLite's 64 bits, far past; and "٣" (an Arabic-Indic 3).
HUGE_IDS = [2**31, 2**63, B, "٣"]
# Not a page or a year: digits int() refuses, digits that are not ASCII, int()'s own extras.
BAD_NUMBERS = ["²", "²⁰²⁶", "٢٠٢٦", "1_0", "+2", "-1", "2.0", " ", "", str(B), "9" * 5000]
TABLES = (DeadlinePolicy, RoutingRule, OutboxMessage, Open311Key, CalendarOverride)


def rows(db) -> dict:
    """Every row of the tables these pages could change."""
    db.session.rollback()
    return {
        model.__tablename__: sorted(db.session.execute(select(model.__table__)).all())
        for model in TABLES
    }


@pytest.fixture
def some_of_each(db, now):
    """A failed text message and an Open311 key, beside the demo's policies and rules."""
    with writing():
        outbox.queue(
            "failed:1", "+8613812345678", "【12319热线】工单R1", template="receipt", now=now
        )
        db.session.flush()
        row = db.session.scalars(select(OutboxMessage)).one()
        row.status, row.attempts, row.error = "failed", delivery.MAX_ATTEMPTS, "Twilio 429"
        open311_keys.issue_key("区网格化平台", now)
        db.session.commit()


# 1. the case list's pager


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "admin", "water1"])
def test_the_pager_ignores_query_parameters_that_are_url_fors_own(login, db, username):
    answer = login(username).get("/cases/?page=2&endpoint=x&_external=1&_scheme=javascript")
    assert answer.status_code == 200
    assert 'href="/cases/?page=1"' in answer.text  # previous: relative, page 1, nothing else


def test_the_pager_keeps_the_filter_in_force(login, db, make_case):
    make_case("dispatched")
    query = "q=停水&phone=13812341234&status=dispatched&department=water&category=water.outage"
    answer = login("operator1").get(f"/cases/?{query}&overdue=1&page=3&endpoint=x&_anchor=y")
    assert answer.status_code == 200
    href = answer.text.split('<nav class="pages">')[1].split('href="')[1].split('"')[0]
    link = urlsplit(href.replace("&amp;", "&"))
    assert (link.scheme, link.netloc, link.path, link.fragment) == ("", "", "/cases/", "")
    assert parse_qs(link.query) == {
        "page": ["2"],
        "q": ["停水"],
        "phone": ["13812341234"],
        "status": ["dispatched"],
        "department": ["water"],
        "category": ["water.outage"],
        "overdue": ["1"],
    }


# 2. page numbers and years


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_a_bad_page_number_shows_the_first_page(login, db, raw):
    operator = login("operator1")
    for path in ("/cases/", "/desk/archive/"):
        answer = operator.get(path, query_string={"page": raw})
        assert answer.status_code == 200, (path, raw)
        assert "← 上一页" not in answer.text  # page 1 has no previous page


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_a_bad_year_shows_this_years_calendar(login, db, raw):
    answer = login("admin").get("/admin/calendar", query_string={"year": raw})
    assert answer.status_code == 200
    assert str(utcnow().year) in answer.text


@pytest.mark.parametrize("day", ["²⁰²⁶-01-01", "٢٠٢٦-٠١-٠١", "9" * 5000])
def test_a_bad_date_is_refused_on_the_calendar_page(login, db, day):
    before = rows(db)
    admin = login("admin")
    answer = admin.post("/admin/calendar", data={"date": day, "type": "holiday"})
    assert answer.status_code == 422
    imported = admin.post("/admin/calendar/import", data={"year": "²"})
    assert imported.status_code == 422
    assert rows(db) == before


@pytest.mark.parametrize("raw", ["²", "٣", "1_0", "+3", "3.0"])
def test_a_policy_amount_must_be_ascii_digits(login, db, raw):
    before = rows(db)
    form = {"category": "water", "reply_amount": raw, "reply_unit": "hours"}
    answer = login("admin").post("/admin/deadlines", data=form)
    assert answer.status_code == 422 and "须为整数" in answer.text
    assert rows(db) == before


@pytest.mark.parametrize("raw", ["²", "٣", "1_0", "+3", str(B)])
def test_a_rule_position_must_be_ascii_digits(login, db, raw):
    before = rows(db)
    form = {"name": "爆管", "keywords": "爆管", "department": "water", "position": raw}
    answer = login("admin").post("/admin/routing/new", data=form)
    assert answer.status_code == 422
    assert rows(db) == before


def test_whole_number_takes_ascii_digits_only():
    assert whole_number("42") == 42 and whole_number(" 42 ") == 42 and whole_number(7) == 7
    assert whole_number("0042", 1, 99) == 42
    for raw in (*BAD_NUMBERS, None, True, 4.0, ["1"], "1\x00"):
        assert whole_number(raw, 1, 99_999) is None, raw
    assert whole_number("0", 1, 9) is None and whole_number("10", 1, 9) is None


# 3. ids past what the database holds


ADMIN_REQUESTS = [
    ("get", "/admin/deadlines/{}", {}),
    ("post", "/admin/deadlines/{}", {"reply_amount": "3", "reply_unit": "hours"}),
    ("post", "/admin/deadlines/{}/delete", {}),
    ("get", "/admin/routing/{}", {}),
    ("post", "/admin/routing/{}", {"name": "x", "keywords": "爆管", "department": "water"}),
    ("post", "/admin/routing/{}/move", {"direction": "up"}),
    ("post", "/admin/routing/{}/active", {"active": "0"}),
    ("get", "/admin/sms/{}", {}),
    ("post", "/admin/sms/{}/retry", {}),
    ("post", "/admin/open311/{}/revoke", {}),
]


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_past_the_databases_range_is_not_found(login, db, some_of_each, huge):
    before = rows(db)
    admin = login("admin")
    for method, path, data in ADMIN_REQUESTS:
        answer = getattr(admin, method)(path.format(huge), data=data)
        assert answer.status_code == 404, (method, path)
    assert rows(db) == before


def test_an_unknown_id_within_range_is_not_found_either(login, db, some_of_each):
    before = rows(db)
    admin = login("admin")
    for method, path, data in ADMIN_REQUESTS:
        assert getattr(admin, method)(path.format(2**31 - 1), data=data).status_code == 404
    assert rows(db) == before


@pytest.mark.parametrize("huge", [*HUGE_IDS, 2**31 - 1])
def test_an_attachment_past_the_databases_range_is_not_found(login, make_case, huge):
    case = make_case("dispatched")
    answer = login("operator1").get(f"/cases/{case.number}/attachments/{huge}")
    assert answer.status_code == 404


# 4. the callback form's answer


def events(db, case) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
    )


@pytest.mark.parametrize("satisfied", ["maybe", "", "1", "TRUE", "yes", None])
def test_a_callback_neither_true_nor_false_is_refused(login, db, make_case, satisfied):
    case = make_case("replied")
    before = events(db, case)
    data = {"note": "市民说还行"} if satisfied is None else {"satisfied": satisfied}
    operator = login("operator1")
    answer = operator.post(f"/cases/{case.number}/callback", data=data)
    assert answer.status_code == 302
    page = operator.get(answer.headers["Location"])
    assert "须为是或否" in page.text
    assert events(db, case) == before
    db.session.refresh(case)
    assert (case.status, case.satisfied) == ("replied", None)


@pytest.mark.parametrize(("satisfied", "status"), [("true", "closed"), ("false", "dispatched")])
def test_the_callback_forms_own_answers_still_work(login, db, make_case, satisfied, status):
    case = make_case("replied")
    operator = login("operator1")
    answer = operator.post(f"/cases/{case.number}/callback", data={"satisfied": satisfied})
    assert answer.status_code == 302
    assert "须为是或否" not in operator.get(answer.headers["Location"]).text
    db.session.rollback()
    db.session.refresh(case)
    assert (case.status, case.satisfied) == (status, satisfied == "true")
