"""The category tree and departments kept per process (dispatch.catalog): intake uses them
without reading, and still sees what changed."""

from __future__ import annotations

from sqlalchemy import delete, inspect, select, text

from app.models import Case, CaseEvent, Category, Department, OutboxMessage
from app.sqlite import writing
from dispatch import catalog

BODY = {"channel": "phone", "caller_phone": "13812341234", "description": "小区停水"}


def _register(client, headers, category: str):
    return client.post("/api/v1/cases", json={**BODY, "category": category}, headers=headers)


def test_a_department_disabled_here_is_passed_over_at_once(client, db, auth_header):
    headers = auth_header("operator1")
    assert _register(client, headers, "water.outage").get_json()["department"] == "water"
    with writing():
        db.session.scalar(select(Department).where(Department.code == "water")).active = False
        db.session.commit()
    try:
        answer = _register(client, headers, "water.outage")
        assert answer.status_code == 201
        assert answer.get_json()["department"] != "water"
    finally:
        with writing():  # the demo departments outlive the test
            db.session.scalar(select(Department).where(Department.code == "water")).active = True
            db.session.commit()
    assert _register(client, headers, "water.outage").get_json()["department"] == "water"


def test_a_category_added_behind_the_process_back_is_found(client, db, auth_header):
    headers = auth_header("operator1")
    assert _register(client, headers, "water.outage").status_code == 201  # tree cached
    water = db.session.scalar(select(Department.id).where(Department.code == "water"))
    parent = db.session.scalar(select(Category.id).where(Category.code == "water.outage"))
    with writing():  # as a seed in another process would: no routing revision raised
        db.session.execute(
            text(
                "INSERT INTO categories (code, name, name_en, parent_id, default_department_id,"
                " is_emergency, active) VALUES ('water.outage.night', '夜间停水', '', :parent,"
                " NULL, :no, :yes)"
            ),
            {"parent": parent, "no": False, "yes": True},
        )
        db.session.commit()
    try:
        answer = _register(client, headers, "water.outage.night")
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["category"] == "water.outage.night"
        assert answer.get_json()["department"] == "water"  # the parent's default
        assert water is not None
    finally:
        with writing():
            added = select(Category.id).where(Category.code == "water.outage.night")
            cases = select(Case.id).where(Case.category_id.in_(added))
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id.in_(cases)))
            db.session.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(cases)))
            db.session.execute(delete(Case).where(Case.id.in_(cases)))
            db.session.execute(delete(Category).where(Category.code == "water.outage.night"))
            db.session.commit()


def test_an_unknown_category_is_still_a_422_naming_the_field(client, auth_header):
    answer = _register(client, auth_header("operator1"), "no.such.category")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"category": "unknown category"}


def test_the_ancestors_routing_needs_come_from_the_snapshot(app, db):
    with app.test_request_context():
        leaf = catalog.category("water.outage")
        assert catalog.path_codes(leaf) == ("water", "water.outage")
        code, dept = catalog.nearest_department(leaf)
        assert (code, dept.code) == ("water.outage", "water") and dept in db.session
        # only the category itself joined the session: its parent loads when read
        assert "parent" not in inspect(leaf).dict and leaf.parent.code == "water"
