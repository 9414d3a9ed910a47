"""Twilio voice webhooks with Twilio configured: a signed incoming call is recorded once and
pops up on operators' screens with the caller's history; a bad signature changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Call, Case
from tests.livetools import Listener, live_server, token_for, wait_for
from tests.twilio_signing import TWILIO, signed


@pytest.fixture(scope="module")
def server(app):
    config = {**TWILIO, "OPERATOR_HOURS": "00:00-24:00"}
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **config) as running:
        yield running


def call_params(sid: str, caller: str = "+8613812341234") -> dict:
    return {"CallSid": sid, "From": caller, "To": "+8612319000000", "CallStatus": "ringing"}


def calls(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Call))


def test_a_signed_call_is_recorded_once_and_pops_up_with_history(server, db, make_case):
    live_app, url = server
    earlier = make_case("dispatched", caller_phone="13812341234")
    listener = Listener(url, token_for(live_app, "operator1"))
    try:
        http = live_app.test_client()
        params = call_params("CA" + "1" * 32)
        first = http.post("/twilio/voice", data=params, headers=signed("/twilio/voice", params))
        assert first.status_code == 200 and "<Enqueue>operators</Enqueue>" in first.text
        again = http.post("/twilio/voice", data=params, headers=signed("/twilio/voice", params))
        assert again.status_code == 200
        assert calls(db) == 1
        assert wait_for(lambda: listener.named("call.incoming"))
        popup = listener.named("call.incoming")[0]
        assert popup["call_sid"] == params["CallSid"] and popup["from_phone"] == "+8613812341234"
        assert popup["open_case"]["number"] == earlier.number
        assert [c["number"] for c in popup["earlier_cases"]] == [earlier.number]
        assert len(listener.named("call.incoming")) == 1
    finally:
        listener.close()


def test_a_wrong_or_missing_signature_is_refused(server, db):
    live_app, _ = server
    http = live_app.test_client()
    params = call_params("CA" + "2" * 32)
    wrong = http.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": "bogus"})
    missing = http.post("/twilio/voice", data=params)
    tampered = {**params, "From": "+8613900000000"}
    forged = http.post("/twilio/voice", data=tampered, headers=signed("/twilio/voice", params))
    assert [wrong.status_code, missing.status_code, forged.status_code] == [403, 403, 403]
    assert calls(db) == 0


def test_status_callbacks_follow_the_call_and_keep_the_final_state(server, db):
    live_app, _ = server
    http = live_app.test_client()
    sid = "CA" + "3" * 32
    params = call_params(sid)
    http.post("/twilio/voice", data=params, headers=signed("/twilio/voice", params))
    for status in ("completed", "in-progress"):  # out of order: completed arrives first
        update = {"CallSid": sid, "CallStatus": status, "CallDuration": "42"}
        answer = http.post(
            "/twilio/voice/status", data=update, headers=signed("/twilio/voice/status", update)
        )
        assert answer.status_code == 204
    db.session.rollback()
    call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
    assert (call.status, call.duration_seconds) == ("completed", 42)


def test_after_hours_a_message_becomes_a_case_waiting_for_callback(app, db):
    config = {**TWILIO, "OPERATOR_HOURS": "00:00-00:00"}
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **config) as (live_app, _):
        http = live_app.test_client()
        sid = "CA" + "4" * 32
        params = call_params(sid, caller="010-62345678")
        answer = http.post("/twilio/voice", data=params, headers=signed("/twilio/voice", params))
        assert "<Record" in answer.text and "Enqueue" not in answer.text
        message = {
            "CallSid": sid,
            "RecordingUrl": "https://api.twilio.com/rec/RE1",
            "RecordingSid": "RE1",
        }
        for _ in range(2):  # Twilio retries: still one case
            http.post(
                "/twilio/voice/message",
                data=message,
                headers=signed("/twilio/voice/message", message),
            )
    db.session.rollback()
    made = db.session.scalars(select(Case)).all()
    assert [(c.caller_phone, c.status, c.channel) for c in made] == [
        ("+861062345678", "registered", "phone")
    ]
    assert "RE1" in made[0].description
