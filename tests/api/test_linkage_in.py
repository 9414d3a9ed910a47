"""联动转办, transferred in: another hotline passes a case in through the API with its
reference; it gets the 7-working-day deadline and no receipt SMS, its source and reference
are kept, shown and searchable, and the same reference twice makes one case only (also when
the two arrive at the same moment)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Case, OutboxMessage, User
from app.sqlite import writing
from dispatch import intake
from dispatch.errors import Duplicate
from tests.api.test_openapi import conforms
from tests.livetools import at_once, live_server, token_for

SOURCE = "12345市民服务热线"
TRANSFER = {
    "channel": "transfer",
    "source_hotline": SOURCE,
    "external_ref": "BJ12345-20261120-0042",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "市民反映幸福小区3号楼停水",
}


def post(client, headers, **changes):
    return client.post("/api/v1/cases", json={**TRANSFER, **changes}, headers=headers)


def test_a_transfer_in_keeps_source_and_reference_in_the_case_and_its_history(client, auth_header):
    op = auth_header("operator1")
    created = post(client, op)
    assert created.status_code == 201, created.json
    conforms(created.json, "Case")
    body = created.json
    assert (body["channel"], body["source_hotline"], body["external_ref"]) == (
        "transfer",
        SOURCE,
        "BJ12345-20261120-0042",
    )
    assert body["transferred_to"] == "" and body["department"] == "water"  # routed as usual
    read = client.get(f"/api/v1/cases/{body['number']}", headers=op).json
    registered = read["events"][0]
    assert registered["action"] == "register"
    assert registered["data"] == {
        "channel": "transfer",
        "source_hotline": SOURCE,
        "external_ref": "BJ12345-20261120-0042",
    }


def test_seven_working_days_across_a_weekend_and_no_receipt(db, make_case):
    # Friday 2026-11-20 10:00 in Beijing. Working days after it: Mon 23, Tue 24, Wed 25,
    # Thu 26, Fri 27, (weekend 28-29), Mon 30, Tue 1 December: the 7th.
    friday = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    transfer = make_case(at=friday, **TRANSFER)
    assert transfer.due_at == datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 +08:00
    phone = make_case(at=friday, caller_phone="13912345678")  # 3 working days: Wed 25
    assert phone.due_at == datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)
    db.session.rollback()
    sent = db.session.execute(select(OutboxMessage.case_id, OutboxMessage.template)).all()
    assert (transfer.id, "receipt") not in sent  # the other hotline told its caller
    assert (phone.id, "receipt") in sent


def test_the_case_list_finds_a_case_by_the_other_hotlines_reference(
    client, auth_header, make_case, login
):
    make_case(description="另一件")
    number = post(client, auth_header("operator1")).json["number"]
    found = client.get(
        "/api/v1/cases", query_string={"q": "BJ12345-20261120-0042"}, headers=auth_header("admin")
    ).json
    assert [c["number"] for c in found["items"]] == [number]
    page = login("operator1").get("/cases/", query_string={"q": "BJ12345-20261120-0042"}).text
    assert number in page


def test_the_case_page_shows_source_and_reference(client, auth_header, login):
    number = post(client, auth_header("operator1")).json["number"]
    page = login("operator1").get(f"/cases/{number}").text
    assert SOURCE in page and "BJ12345-20261120-0042" in page


@pytest.mark.parametrize("missing", [{"external_ref": None}, {"external_ref": "  "}])
def test_a_transfer_without_reference_is_422_and_writes_nothing(
    client, auth_header, counts, missing
):
    before = counts()
    answer = post(client, auth_header("operator1"), **missing)
    assert answer.status_code == 422
    assert "external_ref" in answer.json["error"]["fields"]
    assert "source_hotline" not in answer.json["error"]["fields"]
    assert counts() == before


def test_bad_linkage_fields_are_422(client, auth_header, counts):
    op, before = auth_header("operator1"), counts()
    too_long = post(client, op, source_hotline="热" * 101, external_ref="R" * 65)
    assert set(too_long.json["error"]["fields"]) == {"source_hotline", "external_ref"}
    not_transfer = post(client, op, channel="phone")
    assert not_transfer.status_code == 422
    assert set(not_transfer.json["error"]["fields"]) == {"source_hotline"}
    assert counts() == before


def test_the_same_reference_twice_is_409_naming_the_case(client, auth_header, counts):
    op = auth_header("operator1")
    first = post(client, op).json["number"]
    before = counts()
    again = post(client, op, description="重复推送")
    assert again.status_code == 409
    conforms(again.json, "Error")
    assert again.json["error"]["code"] == "duplicate"
    assert again.json["error"]["case"] == first and first in again.json["error"]["message"]
    assert counts() == before
    # The same reference from another hotline is another case; a phone case may carry it too.
    assert post(client, op, source_hotline="市长热线").status_code == 201
    assert post(client, op, channel="phone", source_hotline=None).status_code == 201


def test_the_intake_form_shows_a_repeated_reference(client, auth_header, login):
    first = post(client, auth_header("operator1")).json["number"]
    form = {**TRANSFER, "priority": "normal"}
    answer = login("operator1").post("/cases/new", data=form)
    assert answer.status_code == 422 and first in answer.text


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


def test_the_same_reference_posted_at_once_makes_one_case(server, db):
    live_app, base = server
    headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}

    def send() -> requests.Response:
        return requests.post(base + "/api/v1/cases", json=TRANSFER, headers=headers, timeout=60)

    answers = at_once([send] * 8)
    created = [a for a in answers if a.status_code == 201]
    assert len(created) == 1, [a.text for a in answers]
    number = created[0].json()["number"]
    refused = [a.json()["error"] for a in answers if a.status_code != 201]
    assert {(e["code"], e["case"]) for e in refused} == {("duplicate", number)}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_repeat_racing_an_uncommitted_transfer_is_refused(app, db):
    """The second intake checks before the first commits, so only the unique index (on
    PostgreSQL; SQLite's writers wait their turn) can stop it: a 409, not a 500."""
    first_flushed, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with app.app_context(), writing():
            operator = _db.session.scalar(select(User).where(User.username == "operator1"))
            outcome["first"] = intake.register_case(TRANSFER, operator, _now()).number
            first_flushed.set()
            first_may_commit.wait(10)
            _db.session.commit()

    def second() -> None:
        with app.app_context(), writing():
            operator = _db.session.scalar(select(User).where(User.username == "operator1"))
            try:
                intake.register_case(TRANSFER, operator, _now())
                _db.session.commit()
                outcome["second"] = "registered"
            except Duplicate as exc:
                _db.session.rollback()
                outcome["second"] = exc.number

    db.session.commit()
    one = threading.Thread(target=first)
    one.start()
    assert first_flushed.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # it has checked and now waits: on the index row, or for its write turn
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert outcome["second"] == outcome["first"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def _now() -> datetime:
    return datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
