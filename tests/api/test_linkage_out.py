"""联动转办, transferred out: an operator or supervisor passes a case on to another hotline;
it closes here with the destination and its reference kept, the history says so, the
public lookup shows "转至 … 办理" without the reason, the caller is told by SMS where it
went (no answer, no satisfaction question), and it is refused where the lifecycle forbids."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Action, Case, OutboxMessage
from app.sqlite import writing
from dispatch import lifecycle
from tests.api.test_openapi import conforms
from tests.livetools import Listener, close_all, live_server, token_for, wait_for

DESTINATION = "12345市民服务热线"
REASON = "涉及多个区县,属市级统筹事项"
PARAMS = {"destination": DESTINATION, "reason": REASON, "destination_ref": "BJ-2026-7788"}
PHONE = "13987654321"


def transfer_out(client, number: str, headers: dict, **changes):
    body = {**PARAMS, **changes}
    return client.post(f"/api/v1/cases/{number}/transfer_out", json=body, headers=headers)


def outbox(db, case_id: int) -> list[OutboxMessage]:
    db.session.rollback()
    query = select(OutboxMessage).where(OutboxMessage.case_id == case_id)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


@pytest.mark.parametrize("state", ["registered", "dispatched", "accepted"])
@pytest.mark.parametrize("who", ["operator1", "supervisor1"])
def test_transfer_out_closes_the_case_with_the_destination(
    client, auth_header, make_case, state, who
):
    case = make_case(state)
    answer = transfer_out(client, case.number, auth_header(who))
    assert answer.status_code == 200, answer.json
    conforms(answer.json, "Case")
    body = answer.json
    assert body["status"] == "closed" and body["closed_at"]
    assert (body["transferred_to"], body["transferred_ref"]) == (DESTINATION, "BJ-2026-7788")
    events = client.get(f"/api/v1/cases/{case.number}", headers=auth_header(who)).json["events"]
    last = events[-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "transfer_out",
        state,
        "closed",
    )
    assert last["actor"] == who
    assert last["data"] == {
        "destination": DESTINATION,
        "destination_ref": "BJ-2026-7788",
        "reason": REASON,
        "from_department": None if state == "registered" else "water",
    }


@pytest.mark.parametrize("state", ["replied", "closed", "archived"])
def test_transfer_out_is_refused_from_other_states_and_writes_nothing(
    client, auth_header, make_case, counts, state
):
    case = make_case(state)
    before = counts()
    answer = transfer_out(client, case.number, auth_header("supervisor1"))
    assert answer.status_code == 409 and answer.json["error"]["code"] == "invalid_transition"
    assert counts() == before
    read = client.get(f"/api/v1/cases/{case.number}", headers=auth_header("supervisor1")).json
    assert read["status"] == state and read["transferred_to"] == ""


@pytest.mark.parametrize("who", ["water1", "gas1", "admin"])
def test_only_operators_and_supervisors_transfer_out(client, auth_header, make_case, counts, who):
    case = make_case("accepted")
    before = counts()
    answer = transfer_out(client, case.number, auth_header(who))
    assert answer.status_code in (404, 409)  # another department's handler does not see it
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"destination": None}, {"destination"}),
        ({"reason": " "}, {"reason"}),
        (
            {"destination": "热" * 101, "destination_ref": "R" * 65},
            {"destination", "destination_ref"},
        ),
    ],
)
def test_bad_transfer_out_fields_are_422_and_nothing_written(
    client, auth_header, make_case, counts, changes, fields
):
    case = make_case("dispatched")
    before = counts()
    answer = transfer_out(client, case.number, auth_header("operator1"), **changes)
    assert answer.status_code == 422 and set(answer.json["error"]["fields"]) == fields
    assert counts() == before


def test_the_public_lookup_names_the_destination_but_not_the_reason(
    app, client, auth_header, make_case
):
    case = make_case("accepted", caller_phone=PHONE)
    transfer_out(client, case.number, auth_header("operator1"))
    public = app.test_client()
    public.environ_base["REMOTE_ADDR"] = "198.51.100.21"
    query = {"number": case.number, "phone_last4": "4321"}
    body = public.get("/api/v1/track", query_string=query).json
    conforms(body, "PublicCase")
    assert body["status"] == "closed" and body["answer"] is None
    last = body["steps"][-1]
    assert (last["step"], last["destination"]) == ("transferred_out", DESTINATION)
    text = json.dumps(body, ensure_ascii=False)
    for private in (REASON, "BJ-2026-7788", "operator1", PHONE):
        assert private not in text, private
    page = public.get("/track", query_string=query).text
    assert f"转至{DESTINATION}办理" in page and REASON not in page


def test_the_caller_is_told_where_it_went_and_gets_no_answer_or_question(
    db, client, auth_header, make_case
):
    case = make_case("accepted", caller_phone=PHONE)
    transfer_out(client, case.number, auth_header("operator1"))
    sent = [(m.template, m.to_phone) for m in outbox(db, case.id)]
    assert sent == [("receipt", "+86" + PHONE), ("transferred_out", "+86" + PHONE)]
    told = outbox(db, case.id)[-1].body
    assert case.number in told and DESTINATION in told and REASON not in told


def test_a_case_passed_in_by_another_hotline_is_not_texted_when_passed_on(db, client, auth_header):
    body = {
        "channel": "transfer",
        "source_hotline": "市长热线",
        "external_ref": "SZ-001",
        "caller_phone": PHONE,
        "category": "water.outage",
        "description": "停水",
    }
    op = auth_header("operator1")
    number = client.post("/api/v1/cases", json=body, headers=op).json["number"]
    assert transfer_out(client, number, op).status_code == 200
    case_id = db.session.scalar(select(Case.id).where(Case.number == number))
    assert outbox(db, case_id) == []  # the hotline that sent it talks to its caller


def test_a_paused_case_transferred_out_resumes_first(db, client, auth_header, make_case, user, now):
    case = make_case("accepted")
    until = (now + timedelta(days=2)).isoformat()
    with writing():
        pause = {"kind": "materials", "reason": "等材料", "until": until}
        lifecycle.act(case, Action.PAUSE, user("water1"), now, pause)
        db.session.commit()
    assert transfer_out(client, case.number, auth_header("operator1")).status_code == 200
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.paused_at is None and case.pause_until is None  # nothing left for the sweep
    assert [e.action for e in case.events][-2:] == ["resume", "transfer_out"]


def test_a_reopened_transfer_is_the_hotlines_again(db, client, auth_header, make_case):
    case = make_case("dispatched")
    transfer_out(client, case.number, auth_header("operator1"))
    reopened = client.post(
        f"/api/v1/cases/{case.number}/reopen",
        json={"reason": "对方热线退回"},
        headers=auth_header("supervisor1"),
    ).json
    assert reopened["status"] == "dispatched" and reopened["transferred_to"] == ""
    events = client.get(f"/api/v1/cases/{case.number}", headers=auth_header("operator1")).json
    assert [e["action"] for e in events["events"]][-2:] == ["transfer_out", "reopen"]


def test_the_case_page_offers_the_form_to_who_may_and_shows_the_result(make_case, login):
    case = make_case("accepted")
    assert "action-transfer_out" not in login("water1").get(f"/cases/{case.number}").text
    operator = login("operator1")
    page = operator.get(f"/cases/{case.number}").text
    assert "action-transfer_out" in page and 'name="destination"' in page
    answer = operator.post(f"/cases/{case.number}/transfer_out", data=PARAMS)
    assert answer.status_code == 302
    page = operator.get(f"/cases/{case.number}").text
    assert "已转至" in page and DESTINATION in page and "BJ-2026-7788" in page
    assert REASON in page  # staff see the reason in the history
    assert "action-transfer_out" not in page


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


def test_the_transfer_out_is_pushed_live(server, db, make_case):
    live_app, url = server
    case = make_case("accepted")
    listeners = [Listener(url, token_for(live_app, name)) for name in ("supervisor1", "water1")]
    try:
        http = live_app.test_client()
        headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
        assert transfer_out(http, case.number, headers).status_code == 200
        for listener in listeners:
            assert wait_for(lambda li=listener: li.named("case.updated"))
            assert listener.named("case.updated")[-1]["status"] == "closed"
    finally:
        close_all(listeners)
