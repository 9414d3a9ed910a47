"""Editing a user (编辑用户): a handler moved to another department works that
department's cases from the next page on, and their open live feed follows; bad input is
refused beside its field and changes nothing; the last administrator stays one."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Role, User
from app.sqlite import writing
from dispatch import directory, intake
from tests.livetools import Listener, close_all, live_server, token_for, wait_for

MOVE_TO_GAS = {"display_name": "李工", "role": "handler", "department": "gas", "phone": ""}


def test_a_handler_moved_to_another_department_works_its_cases(app, login, make_case):
    water_case = make_case()
    gas_case = make_case(category="gas.outage", description="停气")
    handler, admin = login("water1"), login("admin")
    assert handler.get(f"/cases/{water_case.number}").status_code == 200
    assert handler.get(f"/cases/{gas_case.number}").status_code == 404
    form = admin.get("/admin/users/water1/edit")
    assert form.status_code == 200 and "编辑用户" in form.text
    assert '<option value="water" selected' in form.text
    assert admin.post("/admin/users/water1/edit", data=MOVE_TO_GAS).status_code == 302
    assert handler.get(f"/cases/{gas_case.number}").status_code == 200
    assert handler.get(f"/cases/{water_case.number}").status_code == 404
    assert "李工" in admin.get("/admin/users").text


def test_a_bad_edit_is_refused_beside_its_field_and_changes_nothing(app, login, db):
    admin = login("admin")
    bad = [
        ({**MOVE_TO_GAS, "department": ""}, "承办人须属于一个部门"),
        ({**MOVE_TO_GAS, "department": "nowhere"}, "没有这个编码"),
        ({**MOVE_TO_GAS, "phone": "12345"}, "不是有效的电话号码"),
        ({**MOVE_TO_GAS, "role": "mayor"}, "role"),
        ({**MOVE_TO_GAS, "display_name": "名" * 101}, "100"),
    ]
    for form, message in bad:
        answer = admin.post("/admin/users/water1/edit", data=form)
        assert answer.status_code == 422, form
        assert message in answer.text, form
    db.session.expire_all()
    water1 = db.session.scalar(select(User).where(User.username == "water1"))
    assert water1.department.code == "water" and water1.display_name != "李工"
    assert admin.post("/admin/users/nobody/edit", data=MOVE_TO_GAS).status_code == 404
    assert login("supervisor1").get("/admin/users/water1/edit").status_code == 403


def test_the_last_administrator_keeps_the_role_and_stays_enabled(app, login, db):
    admin = login("admin")
    demoted = admin.post(
        "/admin/users/admin/edit", data={"role": "supervisor", "display_name": "管理员"}
    )
    assert demoted.status_code == 422 and "唯一的在用管理员" in demoted.text
    disabled = admin.post("/admin/users/admin/active", data={"active": "0"})
    assert disabled.status_code == 409 and "唯一的在用管理员" in disabled.text
    db.session.expire_all()
    stays = db.session.scalar(select(User).where(User.username == "admin"))
    assert stays.role == Role.ADMIN and stays.active
    with writing():  # with a second administrator, the first may step down
        directory.create_user(
            {"username": "admin2", "role": "admin", "password": "another-admin-2026"}
        )
        db.session.commit()
    answer = admin.post("/admin/users/admin/edit", data={"role": "supervisor", "display_name": "x"})
    assert answer.status_code == 302


def test_an_open_live_feed_follows_the_new_department(app, db, now):
    url_of_db = app.config["SQLALCHEMY_DATABASE_URI"]
    with live_server(url_of_db, LIVE_RECHECK_SECONDS=0.2) as (live_app, url):
        token = token_for(live_app, "water1")
        before = Listener(url, token)
        time.sleep(0.3)
        with live_app.app_context(), writing():
            directory.update_user(directory.user_named("water1"), MOVE_TO_GAS)
            _db.session.commit()
        assert wait_for(lambda: not before.client.connected)  # its rooms were water's
        after = Listener(url, token)  # as the page's client reconnects
        try:
            with live_app.app_context(), writing():
                operator = _db.session.scalar(select(User).where(User.username == "operator1"))
                body = {
                    "channel": "phone",
                    "caller_phone": "13812341234",
                    "category": "gas.outage",
                    "description": "停气",
                }
                number = intake.register_case(body, operator, now).number
                _db.session.commit()
            assert wait_for(lambda: after.names(number) == ["case.created"])
            assert before.names(number) == []
        finally:
            close_all([before, after])
