"""The pages as people use them: login, intake, list, detail and actions, desks, admin;
what each role may see, escaping, and Chinese first with English available."""

from __future__ import annotations

import re

import pytest
from flask import request
from sqlalchemy import func, select

from app import create_app
from app.models import Case, CaseEvent, Category, Department
from config import TestingConfig


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_login_succeeds_and_fails_with_a_message(client, db):
    bad = client.post("/login", data={"username": "operator1", "password": "wrong"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    good = client.post("/login", data={"username": "operator1", "password": "hotline-demo"})
    assert good.status_code == 302
    assert client.get("/", follow_redirects=True).request.path == "/desk/board"


def test_the_session_lives_in_a_signed_cookie_and_the_api_sets_none(
    app, client, login, auth_header
):
    cookie = login("operator1").get_cookie("session")
    assert cookie is not None and cookie.http_only
    value = cookie.value  # and the same cookie with a character of its signature changed
    forged = value[:-5] + ("A" if value[-5] != "A" else "B") + value[-4:]
    for sent, logged_in in ((value, True), (forged, False), ("", False)):
        with app.test_request_context("/cases/", headers={"Cookie": f"session={sent}"}):
            session = app.session_interface.open_session(app, request)
            assert ("_user_id" in session) is logged_in
    answer = client.get("/api/v1/cases", headers=auth_header("operator1"))
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers


def test_pages_need_a_login(client):
    assert client.get("/cases/").status_code == 302
    assert "/login" in client.get("/cases/").location


def test_intake_registers_a_case_and_a_bad_phone_writes_nothing(login, db):
    operator = login("operator1")
    form = {
        "channel": "phone",
        "caller_phone": "12",
        "category": "water.outage",
        "description": "停水",
        "priority": "normal",
    }
    refused = operator.post("/cases/new", data=form)
    assert refused.status_code == 422 and "不是有效的电话号码" in refused.text
    assert count(db, Case) == 0
    done = operator.post("/cases/new", data={**form, "caller_phone": "138 1234 1234"})
    assert done.status_code == 302
    page = operator.get(done.location)
    assert "已登记" in page.text or "已交办" in page.text
    assert count(db, Case) == 1


def test_the_intake_lookup_shows_earlier_cases(login, make_case):
    case = make_case(caller_phone="13912345678")
    panel = login("operator1").get("/cases/caller?phone=139-1234-5678")
    assert case.number in panel.text


def test_list_filters_by_phone_status_and_text(login, make_case):
    first = make_case(caller_phone="13912345678", description="井盖丢失很危险")
    second = make_case("accepted", caller_phone="13812341234")
    operator = login("operator1")
    assert first.number in operator.get("/cases/?phone=13912345678").text
    assert second.number not in operator.get("/cases/?phone=13912345678").text
    assert second.number in operator.get("/cases/?status=accepted").text
    assert first.number not in operator.get("/cases/?status=accepted").text
    assert first.number in operator.get("/cases/?q=井盖").text


def test_detail_shows_history_and_only_the_allowed_actions(login, make_case):
    case = make_case("dispatched")
    handler = login("water1").get(f"/cases/{case.number}").text
    assert "action-accept" in handler and "action-return" in handler
    assert "action-dispatch" not in handler and "action-archive" not in handler
    assert "办理过程" in handler and "登记" in handler
    operator = login("operator1").get(f"/cases/{case.number}").text
    assert "action-accept" not in operator


def test_an_action_through_the_page_works_and_an_illegal_one_changes_nothing(login, make_case, db):
    case = make_case("dispatched")
    water = login("water1")
    assert water.post(f"/cases/{case.number}/accept").status_code == 302
    events = count(db, CaseEvent)
    again = water.post(f"/cases/{case.number}/accept", follow_redirects=True)
    assert f"无法签收:工单{case.number}已是“已签收”状态(市供水集团" in again.text  # in Chinese
    assert count(db, CaseEvent) == events
    reply = water.post(f"/cases/{case.number}/reply", data={"text": ""}, follow_redirects=True)
    assert "内容: 必填" in reply.text and count(db, CaseEvent) == events
    water.get("/lang/en")
    english = water.post(f"/cases/{case.number}/accept", follow_redirects=True)
    assert f"cannot Accept: case {case.number} is already Accepted to" in english.text


def test_a_handler_gets_404_on_another_departments_case(login, make_case, db):
    case = make_case("dispatched")
    gas = login("gas1")
    assert gas.get(f"/cases/{case.number}").status_code == 404
    assert gas.post(f"/cases/{case.number}/accept").status_code == 404
    assert case.number not in gas.get("/cases/").text
    assert count(db, CaseEvent) == 2


def test_admin_pages_are_for_admins_only(login):
    for username in ("operator1", "supervisor1", "water1"):
        assert login(username).get("/admin/departments").status_code == 403
    admin = login("admin")
    assert admin.get("/admin/departments").status_code == 200
    assert admin.get("/admin/users").status_code == 200


def test_admin_creates_a_department_and_a_category(login, db):
    admin = login("admin")
    bad = admin.post("/admin/departments/new", data={"code": "BAD CODE", "name": ""})
    assert bad.status_code == 422
    made = admin.post(
        "/admin/departments/new", data={"code": "parks", "name": "园林绿化", "active": "1"}
    )
    assert made.status_code == 302
    cat = admin.post(
        "/admin/categories/new",
        data={
            "code": "parks.trees",
            "name": "树木倒伏",
            "default_department": "parks",
            "is_emergency": "1",
            "active": "1",
        },
    )
    assert cat.status_code == 302
    db.session.rollback()
    created = db.session.scalars(select(Category).where(Category.code == "parks.trees")).one()
    assert created.is_emergency and created.default_department.code == "parks"
    db.session.delete(created)
    db.session.delete(
        db.session.scalars(select(Department).where(Department.code == "parks")).one()
    )
    db.session.commit()


def test_callers_are_masked_for_roles_that_do_not_need_them(login, make_case, user, now, db):
    case = make_case("dispatched", caller_name="李四", caller_phone="13812341234")
    assert "138 1234 1234" in login("operator1").get(f"/cases/{case.number}").text
    assert "李四" in login("water1").get(f"/cases/{case.number}").text
    admin_view = login("admin").get(f"/cases/{case.number}").text
    assert "+86 138****1234" in admin_view and "李四" not in admin_view
    assert "13812341234" not in admin_view and "138 1234 1234" not in admin_view


def test_text_is_shown_escaped(login, make_case):
    case = make_case(description="<script>alert(1)</script>")
    page = login("operator1").get(f"/cases/{case.number}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_chinese_first_english_available(login):
    operator = login("operator1")
    assert "实时看板" in operator.get("/desk/board").text
    operator.get("/lang/en")
    english = operator.get("/desk/board").text
    assert "Live board" in english and "实时看板" not in english


def test_forms_refuse_a_post_without_the_csrf_token(app, db):
    guarded = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
    )
    client = guarded.test_client()
    refused = client.post("/login", data={"username": "operator1", "password": "hotline-demo"})
    assert refused.status_code == 400
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/login", data={"username": "operator1", "password": "hotline-demo", "csrf_token": token}
    )
    assert accepted.status_code == 302
    with guarded.app_context():
        from app.extensions import db as guarded_db

        guarded_db.engine.dispose()


def test_nul_bytes_in_forms_and_urls_are_no_crash(client, login):
    assert client.post("/login", data={"username": "op\x00", "password": "x"}).status_code == 401
    admin = login("admin")
    assert admin.get("/admin/departments/wa%00ter").status_code == 404
    assert admin.post("/admin/users/a%00b/active", data={"active": "0"}).status_code == 404
    made = admin.post("/admin/categories/new", data={"code": "x1", "name": "x", "parent": "\x00"})
    assert made.status_code == 422
    bad_user = admin.post(
        "/admin/users", data={"username": "u\x00", "role": "operator", "password": "long-enough-1"}
    )
    assert bad_user.status_code == 422


@pytest.mark.parametrize(
    "target, lands",
    [
        ("/cases/?status=dispatched", "/cases/?status=dispatched"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),  # browsers take the backslash for a slash
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),  # browsers drop the tab
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_the_language_switch_goes_back_only_to_this_site(client, target, lands):
    answer = client.get("/lang/en", query_string={"next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == lands


def test_every_answer_carries_the_security_headers(client, login):
    for answer in (
        client.get("/login"),
        client.get("/track"),
        login("operator1").get("/desk/board"),
        client.get("/api/v1/openapi.json"),
    ):
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"


def test_the_boards_counters_are_for_the_board_only(login):
    assert login("operator1").get("/desk/counters").status_code == 200
    assert login("supervisor1").get("/desk/counters").status_code == 200
    for username in ("water1", "admin"):  # the whole hotline's figures
        assert login(username).get("/desk/counters").status_code == 403
