"""Passwords (修改密码, 重置密码): staff change their own (the current one first; their
logins at other desks end), administrators reset a user's (every login of that user
ends). Bad input is refused beside the field and changes nothing."""

from __future__ import annotations

import pytest
from limits import parse

from tests.web.test_logins import copy_of, opens_the_case_list

OLD = "hotline-demo"
NEW = "a-new-one-2026"


def logs_in(app, username: str, password: str) -> bool:
    answer = app.test_client().post("/login", data={"username": username, "password": password})
    return answer.status_code == 302


def change(client, current: str = OLD, new: str = NEW, again: str | None = None):
    form = {"current_password": current, "password": new, "password_again": again or new}
    return client.post("/account/password", data=form)


def test_a_user_changes_their_password_and_their_other_desks_are_logged_out(app, login):
    desk, other_desk = login("operator1"), login("operator1")
    stolen = copy_of(app, other_desk)
    page = desk.get("/account/password")
    assert page.status_code == 200 and "修改密码" in page.text and "当前密码" in page.text
    answer = change(desk)
    assert answer.status_code == 302
    assert "密码已修改" in desk.get(answer.headers["Location"], follow_redirects=True).text
    assert opens_the_case_list(desk)  # the login it was changed in goes on
    assert not opens_the_case_list(other_desk)
    assert not opens_the_case_list(stolen)
    assert logs_in(app, "operator1", NEW)
    assert not logs_in(app, "operator1", OLD)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"current": "wrong-password"}, "current_password", "不是您的密码"),
        ({"new": "short"}, "password", "至少8个字符"),
        ({"new": "x" * 129}, "password", "最多128个字符"),
        ({"new": "tab\there-2026"}, "password", "不含控制字符"),
        ({"again": "another-one-2026"}, "password_again", "与新密码不一致"),
    ],
)
def test_a_bad_change_is_refused_beside_its_field_and_changes_nothing(
    app, login, form, field, message
):
    desk, other_desk = login("water1"), login("water1")
    answer = change(desk, **form)
    assert answer.status_code == 422
    assert message in answer.text
    assert f'name="{field}"' in answer.text
    assert NEW not in answer.text and OLD not in answer.text  # passwords are not echoed
    assert opens_the_case_list(other_desk)
    assert logs_in(app, "water1", OLD)


def test_the_page_needs_a_login(app, db):
    client = app.test_client()
    assert client.get("/account/password").status_code == 302
    assert change(client).status_code == 302
    assert logs_in(app, "operator1", OLD)


def test_guessing_the_current_password_counts_as_failed_logins(app, login):
    limits = app.extensions["hotline_limits"]
    saved = dict(limits.items)
    limits.items["LOGIN_RATE_LIMIT"] = parse("3 per 15 minutes")
    try:
        desk = login("gas1")
        for _ in range(3):
            assert change(desk, current="guess-again").status_code == 422
        refused = change(desk)  # the right password, but not tried now
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "登录失败次数过多" in refused.text
        assert logs_in(app, "water1", OLD)
    finally:
        limits.items = saved
    assert not logs_in(app, "gas1", NEW)


def test_an_administrator_resets_a_password_and_every_login_of_the_user_ends(app, login):
    handler, admin = login("water1"), login("admin")
    assert "重置密码" in admin.get("/admin/users").text
    page = admin.get("/admin/users/water1/password")
    assert page.status_code == 200 and "water1" in page.text
    answer = admin.post("/admin/users/water1/password", data={"password": NEW})
    assert answer.status_code == 302
    assert not opens_the_case_list(handler)
    assert opens_the_case_list(admin)
    assert logs_in(app, "water1", NEW) and not logs_in(app, "water1", OLD)


def test_a_bad_reset_is_refused_and_only_administrators_reset(app, login):
    admin = login("admin")
    short = admin.post("/admin/users/water1/password", data={"password": "short"})
    assert short.status_code == 422 and "至少8个字符" in short.text
    assert admin.post("/admin/users/nobody/password", data={"password": NEW}).status_code == 404
    supervisor = login("supervisor1")
    refused = supervisor.post("/admin/users/water1/password", data={"password": NEW})
    assert refused.status_code == 403
    assert logs_in(app, "water1", OLD)


def test_a_password_an_administrator_set_is_changed_before_any_other_page(app, login, db):
    admin = login("admin")
    form = {"username": "sun", "role": "operator", "password": "given-by-admin-1"}
    assert admin.post("/admin/users", data=form).status_code == 302
    newcomer = login("sun", "given-by-admin-1")
    for path in ("/", "/cases/", "/desk/board", "/cases/new"):
        answer = newcomer.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].endswith("/account/password"), path
    page = newcomer.get("/account/password", follow_redirects=True)
    assert page.status_code == 200 and "修改密码" in page.text
    assert "先修改管理员给您的密码" in newcomer.get("/cases/", follow_redirects=True).text
    assert newcomer.get("/track").status_code == 200  # the citizens' pages stay open
    answer = change(newcomer, current="given-by-admin-1", new="my-own-choice-1")
    assert answer.status_code == 302
    assert opens_the_case_list(newcomer)
    reset = admin.post("/admin/users/sun/password", data={"password": "again-by-admin-1"})
    assert reset.status_code == 302
    again = login("sun", "again-by-admin-1")  # a reset password is the administrator's too
    assert again.get("/cases/").headers["Location"].endswith("/account/password")


def test_the_command_lines_user_chooses_their_own_password(app, db):
    done = app.test_cli_runner().invoke(
        args=["user", "create", "chief", "--role", "admin", "--password", "chosen-by-me-1"]
    )
    assert done.exit_code == 0, done.output
    client = app.test_client()
    client.post("/login", data={"username": "chief", "password": "chosen-by-me-1"})
    assert opens_the_case_list(client)
