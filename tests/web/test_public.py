"""The citizens' pages as a citizen uses them: /track finds a case by its number and the
phone's last four digits and shows only public facts; /report registers a web case and
gives a receipt; both are rate limited per address (and reports per phone)."""

from __future__ import annotations

import re

import pytest
from limits import parse
from sqlalchemy import func, select

from app import create_app
from app.models import Action, Case
from app.ratelimit import PublicLimits, RateLimited
from app.sqlite import writing
from config import TestingConfig
from dispatch import lifecycle

NAME = "欧阳锦绣"
PHONE = "13987654321"  # last four 4321
PHONE_FORMS = (PHONE, "139 8765 4321", "139-8765-4321", "+8613987654321", "98765")
REPORT = {
    "caller_phone": "139 8765 4321",
    "caller_name": NAME,
    "category": "roads.pothole",
    "description": "中山路路口有一个大坑",
    "address": "中山路路口",
    "district": "南区",
}


def no_personal_data(html: str) -> None:
    assert NAME not in html
    for form in PHONE_FORMS:
        assert form not in html, form


def count_cases(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case))


def flash(html: str) -> list[str]:
    return re.findall(r'class="flash error"[^>]*>([^<]+)<', html)


@pytest.fixture
def citizen(app, db):
    """A browser without login, from its own address."""

    def make(address: str = "198.51.100.7"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


@pytest.fixture
def limit(app):
    """Set one public limit for this test, e.g. limit('REPORT_RATE_LIMIT', '2 per hour')."""
    limits = app.extensions["hotline_limits"]
    saved = dict(limits.items)

    def set_limit(name: str, text: str) -> None:
        limits.items[name] = parse(text)

    yield set_limit
    limits.items = saved


def test_the_lookup_shows_status_dated_steps_and_deadline_in_local_time(citizen, make_case):
    case = make_case("accepted", caller_name=NAME, caller_phone=PHONE)
    page = citizen().get(f"/track?number={case.number}&phone_last4=4321")
    assert page.status_code == 200
    html = page.text
    assert case.number in html and "已签收" in html
    steps = re.findall(r'<li class="step-(\w+)"><time[^>]*>([^<]+)</time> ([^<]+)</li>', html)
    assert [(s, at, text.strip()) for s, at, text in steps] == [
        ("registered", "2026-11-23 09:00", "已登记"),
        ("dispatched", "2026-11-23 09:00", "已交办至市供水集团"),
        ("accepted", "2026-11-23 09:00", "市供水集团已签收"),
    ]
    assert "2026-11-26 23:59" in html  # 3 working days, end of day in Beijing
    no_personal_data(html)


def test_a_wrong_number_and_wrong_digits_get_the_same_answer(citizen, make_case):
    case = make_case(caller_phone=PHONE)
    browser = citizen()
    wrong_digits = browser.get(f"/track?number={case.number}&phone_last4=1234")
    wrong_number = browser.get("/track?number=R2026112399999&phone_last4=4321")
    assert wrong_digits.status_code == wrong_number.status_code == 404
    assert flash(wrong_digits.text) == flash(wrong_number.text)
    assert flash(wrong_digits.text) == ["未找到与该编号和手机号后四位相符的工单,请核对后重试。"]
    assert 'id="result"' not in wrong_digits.text
    bad = browser.get(f"/track?number={case.number}&phone_last4=43a1")
    assert bad.status_code == 422 and "4 位数字" in bad.text


def test_the_answer_is_shown_once_the_case_is_closed(citizen, make_case, user, db, now):
    replied = make_case("replied", caller_phone=PHONE)
    browser = citizen()
    page = browser.get(f"/track?number={replied.number}&phone_last4=4321").text
    assert "市供水集团已反馈" in page and "已修复管道" not in page
    with writing():
        lifecycle.act(replied, Action.CALLBACK, user("operator1"), now, {"satisfied": True})
        db.session.commit()
    page = browser.get(f"/track?number={replied.number}&phone_last4=4321").text
    assert "已修复管道,恢复供水" in page and "已办结" in page
    assert "答复期限" not in page  # a closed case has no deadline left


def test_internal_notes_and_handlers_are_not_shown(citizen, make_case, user, db, now):
    case = make_case(caller_name=NAME, caller_phone=PHONE)
    with writing():
        lifecycle.act(case, Action.SUPERVISE, user("supervisor1"), now, {"note": "内部督办意见"})
        lifecycle.act(case, Action.RETURN, user("water1"), now, {"reason": "退回理由保密"})
        db.session.commit()
    html = citizen().get(f"/track?number={case.number}&phone_last4=4321").text
    for secret in ("内部督办意见", "退回理由保密", "刘洋", "张伟", "王芳", "water1", "幸福小区"):
        assert secret not in html, secret
    assert "已退回热线,重新交办" in html
    no_personal_data(html)


def test_lookups_are_limited_per_address_with_a_message(citizen, make_case, app):
    case = make_case(caller_phone=PHONE)
    browser, other = citizen("198.51.100.7"), citizen("198.51.100.8")
    assert browser.get("/track").status_code == 200  # the empty form is not a lookup
    for _ in range(10):
        assert browser.get(f"/track?number={case.number}&phone_last4=4321").status_code == 200
    refused = browser.get(f"/track?number={case.number}&phone_last4=4321")
    assert refused.status_code == 429
    assert "过于频繁" in flash(refused.text)[0] and int(refused.headers["Retry-After"]) > 0
    assert browser.get(f"/api/v1/track?number={case.number}&phone_last4=4321").status_code == 429
    assert other.get(f"/track?number={case.number}&phone_last4=4321").status_code == 200
    # the rest of the application is not limited
    for _ in range(15):
        assert browser.get("/login").status_code == 200


def test_a_report_registers_a_web_case_and_shows_a_receipt(citizen, db):
    browser = citizen()
    form = browser.get("/report")
    assert form.status_code == 200 and 'name="caller_phone"' in form.text
    sent = browser.post("/report", data=REPORT)
    assert sent.status_code == 302
    receipt = browser.get(sent.location)
    db.session.rollback()
    case = db.session.scalar(select(Case))
    assert case.channel == "web" and case.caller_name == NAME
    assert case.caller_phone == "+8613987654321" and case.department.code == "roads"
    html = receipt.text
    assert case.number in html and "已收到您的诉求" in html
    assert re.search(r"答复期限</dt><dd>\d{4}-\d\d-\d\d 23:59<", html)
    assert f'href="/track?number={case.number}"' in html
    no_personal_data(html)
    assert citizen("203.0.113.9").get("/report/received").status_code == 302  # not its own


def test_a_report_keeps_the_location_the_citizen_shared(citizen, db):
    sent = citizen().post(
        "/report", data={**REPORT, "latitude": "39.904200", "longitude": "116.4074"}
    )
    assert sent.status_code == 302
    db.session.rollback()
    case = db.session.scalar(select(Case))
    assert (case.latitude, case.longitude, case.address) == (39.9042, 116.4074, "中山路路口")


def test_a_report_without_a_location_has_none(citizen, db):
    assert citizen().post("/report", data={**REPORT, "latitude": ""}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Case)).latitude is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"description": ""}, "description", "必填"),
        ({"caller_phone": "12345"}, "caller_phone", "不是有效的电话号码"),
        ({"category": "no.such"}, "category", "请从列表中选择事项分类"),
        ({"description": "坑" * 5001}, "description", "最多 5000 个字"),
        ({"caller_name": "名" * 101}, "caller_name", "最多 100 个字"),
        ({"latitude": "39.9", "longitude": "east"}, "latitude", "须同时为WGS84经纬度"),
        ({"latitude": "95", "longitude": "116.4"}, "latitude", "须在±90以内"),
    ],
)
def test_a_bad_report_is_refused_with_messages_and_saves_nothing(
    citizen, db, change, field, message
):
    refused = citizen().post("/report", data={**REPORT, **change})
    assert refused.status_code == 422
    shown = re.search(rf'<span class="field-error" id="{field}-error">([^<]+)<', refused.text)
    assert shown and message in shown.group(1)
    assert count_cases(db) == 0


def test_reports_are_limited_per_phone_and_per_address(citizen, db, limit):
    limit("REPORT_PHONE_RATE_LIMIT", "2 per hour")
    limit("REPORT_RATE_LIMIT", "3 per hour")
    browser = citizen()
    assert browser.post("/report", data=REPORT).status_code == 302
    assert browser.post("/report", data=REPORT).status_code == 302
    third = citizen("198.51.100.99").post("/report", data=REPORT)  # same phone, new address
    assert third.status_code == 429 and "过于频繁" in flash(third.text)[0]
    assert count_cases(db) == 2
    other_phone = {**REPORT, "caller_phone": "13700001111"}
    assert browser.post("/report", data={**other_phone, "description": ""}).status_code == 422
    assert browser.post("/report", data=other_phone).status_code == 429  # a 4th post this hour
    assert count_cases(db) == 2


def test_a_report_without_the_csrf_token_is_refused(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    browser = app.test_client()
    assert browser.post("/report", data=REPORT).status_code == 400
    assert count_cases(db) == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/report").text).group(1)
    assert browser.post("/report", data={**REPORT, "csrf_token": token}).status_code == 302
    assert count_cases(db) == 1


def test_public_pages_link_each_other_and_show_no_staff_navigation(citizen, login):
    anonymous = citizen()
    for path in ("/track", "/report", "/login"):
        html = anonymous.get(path).text
        assert 'href="/track"' in html and 'href="/report"' in html, path
    assert "实时看板" not in anonymous.get("/track").text
    board = login("operator1").get("/desk/board").text
    assert 'href="/track"' in board and 'href="/report"' in board
    english = citizen()
    english.get("/lang/en")
    assert "Track a case" in english.get("/track").text


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app):
    def lookups(trusted: int) -> list[int]:
        other = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            TRUSTED_PROXIES=trusted,
            TRACK_RATE_LIMIT="2 per minute",
        )
        client = other.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
        try:
            return [  # malformed lookups: counted, answered without the database
                client.get(
                    "/track?number=X&phone_last4=x", headers={"X-Forwarded-For": f"192.0.2.{i}"}
                ).status_code
                for i in range(3)
            ]
        finally:
            with other.app_context():
                from app.extensions import db as other_db

                other_db.engine.dispose()

    assert lookups(trusted=1) == [422, 422, 422]  # three clients behind the proxy
    assert lookups(trusted=0) == [422, 422, 429]  # one client forging headers


def test_limits_are_shared_through_redis_when_it_is_configured():
    import os

    url = os.environ.get("HOTLINE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    settings = {"TRACK_RATE_LIMIT": "2 per minute"}
    first, second = PublicLimits(url, settings), PublicLimits(url, settings)  # two processes
    assert type(first.storage).__name__ == "RedisStorage"
    first.reset()
    try:
        first.hit("TRACK_RATE_LIMIT", "192.0.2.1")
        second.hit("TRACK_RATE_LIMIT", "192.0.2.1")
        with pytest.raises(RateLimited) as refused:
            first.hit("TRACK_RATE_LIMIT", "192.0.2.1")
        assert refused.value.code == 429 and refused.value.retry_after_seconds <= 60
    finally:
        first.reset()


def test_a_limit_that_is_not_a_rate_is_refused_at_startup():
    with pytest.raises(ValueError, match="HOTLINE_TRACK_RATE_LIMIT"):
        PublicLimits("memory://", {"TRACK_RATE_LIMIT": "ten a minute"})


def test_the_pages_stay_up_when_the_limits_storage_does_not_answer(caplog):
    down = PublicLimits("redis://127.0.0.1:1/0", {"TRACK_RATE_LIMIT": "1 per minute"})
    for _ in range(3):
        down.hit("TRACK_RATE_LIMIT", "192.0.2.1")  # no exception: not limited
    assert "rate limit storage unavailable" in caplog.text


def test_a_report_sent_twice_is_registered_once(citizen, db):
    """重复提交保护: the form's key makes a double tap or a resend one report."""
    browser = citizen()
    key = re.search(r'name="report_key" value="([0-9a-f]{32})"', browser.get("/report").text)
    form = {**REPORT, "report_key": key.group(1)}
    first = browser.post("/report", data=form)
    again = browser.post("/report", data=form)
    assert first.status_code == again.status_code == 302
    db.session.rollback()
    case = db.session.scalars(select(Case)).one()
    assert case.number in browser.get(again.location).text
    changed = browser.post("/report", data={**form, "description": "又一件事"})
    assert changed.status_code == 422 and "此反映已提交过" in changed.text
    fresh = re.search(r'name="report_key" value="([0-9a-f]{32})"', changed.text).group(1)
    assert fresh != key.group(1)
    assert browser.post("/report", data={**form, "report_key": fresh}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
