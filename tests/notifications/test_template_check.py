"""An administrator's SMS wording is checked so that filling it in can never fail: a
placeholder with a format or a conversion, a positional or empty one, an attribute or
index access, unbalanced braces or a NUL are refused with nothing saved; a bad wording
stored before these checks is passed over for the built-in one, so registration goes on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Case, OutboxMessage, SmsTemplate
from app.sqlite import writing
from dispatch.errors import ValidationFailed
from notifications import templates

BAD = [
    ("工单{number:d}", "no format or conversion"),
    ("工单{number:>30}", "no format or conversion"),
    ("工单{number:{deadline}}", "no format or conversion"),
    ("工单{number!r}", "no format or conversion"),
    ("工单{number!z}", "no format or conversion"),
    ("工单{number!s:x}", "no format or conversion"),
    ("工单{number!}", "unbalanced"),
    ("工单{number}{}", "unknown placeholder {}"),
    ("工单{number}{0}", "unknown placeholder 0"),
    ("工单{number.real}", "unknown placeholder number.real"),
    ("工单{number[0]}", "unknown placeholder number[0]"),
    ("工单{number} }", "unbalanced"),
    ("工单{number", "unbalanced"),
    ("\x00{number}", "must be text"),
    ("工单{number}\x00", "must be text"),
    ("工单{number}\ud800", "must be text"),
]


def stored(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(SmsTemplate))


@pytest.mark.parametrize("body, message", BAD)
def test_a_wording_that_filling_in_would_trip_over_is_refused(db, body, message):
    with pytest.raises(ValidationFailed) as caught:
        templates.check("receipt", body)
    assert set(caught.value.fields) == {"body"} and message in caught.value.fields["body"]
    with pytest.raises(ValidationFailed), writing():
        templates.save("receipt", body, datetime.now(UTC))
    assert stored(db) == 0


def test_doubled_braces_and_an_empty_format_still_pass(db):
    assert templates.check("receipt", "{{工单}}{number:}") == "{{工单}}{number:}"
    assert templates.preview("receipt", "{{工单}}{number:}") == "【12319热线】{工单}R2026112300001"


FIELD = st.builds(
    lambda name, conversion, spec: "{" + name + conversion + spec + "}",
    st.sampled_from(["number", "link", "answer", "name", "", "0", "number.real", "number[0]"]),
    st.sampled_from(["", "!r", "!z", "!s", "!"]),
    st.sampled_from(["", ":", ":d", ":>5", ":{number}"]),
)
BODIES = st.lists(
    st.one_of(FIELD, st.sampled_from(["工单", " ", "{{", "}}", "{", "}", "\x00"])), max_size=6
).map(lambda parts: "{number}" + "".join(parts))


@settings(max_examples=300, deadline=None)
@given(BODIES)
def test_a_wording_that_passes_check_always_fills_in(body):
    for name, template in templates.TEMPLATES.items():
        try:
            checked = templates.check(name, body)
        except ValidationFailed:
            continue
        text = templates.preview(name, checked)
        assert text.startswith(templates.SENDER)
        assert templates.fill(checked, template, {}).startswith(templates.SENDER)


@pytest.mark.parametrize("body", ["工单{number:d}", "工单{number!z}", "\x00{number}", "{number.x}"])
def test_a_bad_wording_stored_before_the_check_no_longer_breaks_registration(
    db, make_case, client, auth_header, body
):
    if "\x00" in body and db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL stores no NUL: such a wording could only be saved on SQLite")
    with writing():  # as saved by a version that checked only the names
        db.session.add(SmsTemplate(name="receipt", body=body, updated_at=datetime.now(UTC)))
        db.session.commit()
    templates.forget()
    assert templates.wording("receipt") == templates.TEMPLATES["receipt"].default
    case = make_case()
    answer = client.post(
        "/api/v1/cases",
        json={
            "channel": "phone",
            "caller_phone": "13812341234",
            "category": "water.outage",
            "description": "停水",
        },
        headers=auth_header("operator1"),
    )
    assert answer.status_code == 201, answer.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    receipts = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.template == "receipt")
    ).all()
    assert len(receipts) == 2 and all("您反映的问题已受理" in r for r in receipts)
    assert any(case.number in r for r in receipts)


def test_the_template_page_shows_the_error_and_saves_nothing(login, db):
    admin = login("admin")
    for action in ("preview", "save"):
        for body, _ in BAD:
            if "\ud800" in body:
                continue  # a form cannot carry it
            answer = admin.post(
                "/admin/sms/templates/receipt", data={"body": body, "action": action}
            )
            assert answer.status_code == 422, (body, action)
            assert 'name="body"' in answer.text
    nul = admin.post("/admin/sms/templates/receipt", data={"body": "\x00{number}"})
    assert "须为文本" in nul.text  # "must be text", as every other text field says
    unbalanced = admin.post(
        "/admin/sms/templates/receipt", data={"body": "{number", "action": "save"}
    )
    assert "{ 与 } 不成对" in unbalanced.text
    assert stored(db) == 0
    assert admin.get("/admin/sms/templates").status_code == 200
    assert admin.get("/admin/sms/templates/receipt").status_code == 200


def test_pages_and_registration_go_on_past_a_bad_stored_wording(login, db, app):
    with writing():
        db.session.add(
            SmsTemplate(name="receipt", body="工单{number:d}", updated_at=datetime.now(UTC))
        )
        db.session.add(
            SmsTemplate(name="reply", body="{number!z}{answer}", updated_at=datetime.now(UTC))
        )
        db.session.commit()
    templates.forget()
    admin = login("admin")
    listing = admin.get("/admin/sms/templates")
    assert listing.status_code == 200 and "R2026112300001" in listing.text
    assert admin.get("/admin/sms/templates/receipt").status_code == 200
    form = {
        "channel": "phone",
        "caller_phone": "138 1234 1234",
        "category": "water.outage",
        "description": "停水",
        "priority": "normal",
    }
    assert login("operator1").post("/cases/new", data=form).status_code == 302
    citizen = app.test_client()
    citizen.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    report = {
        "caller_phone": "139 8765 4321",
        "category": "roads.pothole",
        "description": "路口有坑",
    }
    assert citizen.post("/report", data=report).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
