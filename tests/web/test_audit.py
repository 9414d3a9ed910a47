"""安全审计: the administrators' changes to the setup are recorded, with who made them and
each field before and after, in the change's own transaction; passwords only as changed;
the audit page lists them for administrators only."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app.extensions import db as _db
from app.models import AuditEntry, Department
from app.sqlite import writing
from dispatch import directory

NEW_USER = {
    "username": "zhao",
    "display_name": "赵坐席",
    "role": "operator",
    "password": "zhao-password-2026",
    "phone": "13812345678",
}


def entries(subject: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    return list(_db.session.scalars(query))


def test_a_user_created_edited_disabled_and_reset_is_recorded_with_who_did_it(app, login, db):
    admin = login("admin")
    assert admin.post("/admin/users", data=NEW_USER).status_code == 302
    moved = {"display_name": "赵工", "role": "handler", "department": "gas", "phone": ""}
    assert admin.post("/admin/users/zhao/edit", data=moved).status_code == 302
    assert admin.post("/admin/users/zhao/active", data={"active": "0"}).status_code == 302
    reset = admin.post("/admin/users/zhao/password", data={"password": "another-one-2026"})
    assert reset.status_code == 302
    users = entries("users")
    assert [e.action for e in users] == ["created", "changed", "changed", "changed"]
    assert {e.actor_name for e in users} == {"admin"} and all(e.actor_id for e in users)
    assert {e.label for e in users} == {"zhao"}
    created, edited, disabled, password = (e.changes for e in users)
    assert created["role"] == [None, "operator"] and created["password_hash"] == [None, "(changed)"]
    assert edited["role"] == ["operator", "handler"]
    assert edited["display_name"] == ["赵坐席", "赵工"]
    gas = db.session.scalar(select(Department.id).where(Department.code == "gas"))
    assert edited["department_id"] == [None, gas]
    assert disabled == {"active": [True, False]}
    assert password == {"password_hash": [None, "(changed)"]}  # still to be changed: True
    stored = str([e.changes for e in entries()])
    assert "zhao-password-2026" not in stored and "pbkdf2" not in stored and "scrypt" not in stored


def test_the_audit_page_shows_the_changes_in_chinese_to_administrators_only(app, login, db):
    admin = login("admin")
    admin.post("/admin/users", data=NEW_USER)
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert "安全审计" in page.text and "新增" in page.text and "zhao" in page.text
    assert "13812345678" not in page.text and "+86 138****5678" in page.text  # masked
    assert "（已修改）" in page.text and "<code>active</code>: — → 是" in page.text
    assert login("supervisor1").get("/admin/audit").status_code == 403
    assert admin.get("/admin/audit?before=not-a-number").status_code == 200


def test_a_refused_or_rolled_back_change_records_nothing(app, login, db):
    admin = login("admin")
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert admin.post("/admin/users", data={**NEW_USER, "password": "short"}).status_code == 422
    with writing():
        directory.create_user({**NEW_USER, "username": "qian"})
        db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_changes_from_the_command_line_are_recorded_without_a_user(app, db):
    done = app.test_cli_runner().invoke(args=["token", "water1"])
    assert done.exit_code == 0
    (token,) = entries("api_tokens")
    assert token.action == "created" and token.label == "water1"
    assert token.actor_id is None and token.actor_name == ""
    assert "token_hash" not in token.changes
    assert "revoked_at" not in token.changes  # a new row's empty fields are left out
    app.test_cli_runner().invoke(args=["token", "water1", "--revoke"])
    revoked = entries("api_tokens")[-1]
    assert revoked.action == "changed" and list(revoked.changes) == ["revoked_at"]


def test_the_setup_pages_changes_are_recorded(app, login, db):
    admin = login("admin")
    form = {"code": "audit_parks", "name": "园林局", "name_en": "Parks", "active": "1"}
    answer = admin.post("/admin/departments/new", data=form)
    try:
        assert answer.status_code == 302, answer.text
        (created,) = entries("departments")
        assert created.label == "audit_parks" and created.changes["name"] == [None, "园林局"]
        assert created.actor_name == "admin"
    finally:  # departments outlive a test
        with writing():
            db.session.execute(delete(Department).where(Department.code == "audit_parks"))
            db.session.commit()


def test_a_calendar_day_added_and_removed_is_recorded(app, db, now):
    from dispatch import holidays

    with writing():
        holidays.add_override({"date": "2026-12-31", "type": "holiday", "note": "调休"}, now)
        db.session.commit()
        holidays.remove_override("2026-12-31", now)
        db.session.commit()
    added, removed = entries("calendar_overrides")
    assert (added.action, removed.action) == ("created", "removed")
    assert added.label == removed.label == "2026-12-31"
    assert removed.changes["is_workday"] == [False, None]
