"""Twilio webhooks given what Twilio would not send: a 400 with a short body and nothing
written (never a 500, which Twilio retries); but a citizen's voicemail or text is not lost
for a recording address too long or a NUL in the text: what fits is kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import Call, Case, CaseEvent, InboundSms, SmsStatusCallback
from tests.livetools import live_server
from tests.twilio_signing import TWILIO, signed

CALLER = "+8613900001111"
AFTER_HOURS = {**TWILIO, "OPERATOR_HOURS": "00:00-00:00"}  # callers leave messages


@pytest.fixture(scope="module")
def http(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **AFTER_HOURS) as (live_app, _):
        yield live_app.test_client()


def post(http, path: str, params: dict):
    return http.post(path, data=params, headers=signed(path, params))


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def refused(answer, field: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json["error"]["code"] == "invalid" and field in answer.json["error"]["message"]


def call_in(http, sid: str, caller: str = CALLER) -> None:
    params = {"CallSid": sid, "From": caller, "To": "+8612319000000", "CallStatus": "ringing"}
    assert post(http, "/twilio/voice", params).status_code == 200


def the_call(db, sid: str) -> Call:
    db.session.rollback()
    return db.session.scalars(select(Call).where(Call.call_sid == sid)).one()


@pytest.mark.parametrize(
    "params",
    [
        {"From": CALLER, "To": "+8612319000000"},
        {"CallSid": "", "From": CALLER},
        {"CallSid": "CA" + "1" * 63, "From": CALLER},
        {"CallSid": "CA\x001", "From": CALLER},
    ],
)
def test_a_call_without_a_proper_callsid_is_a_400(http, db, params):
    refused(post(http, "/twilio/voice", params), "CallSid")
    assert count(db, Call) == 0


def test_a_json_body_is_a_400(http, db):
    answer = http.post(
        "/twilio/voice",
        data=json.dumps({"CallSid": "CA" + "2" * 32, "From": CALLER}),
        content_type="application/json",
        headers=signed("/twilio/voice", {}),
    )
    refused(answer, "CallSid")
    assert count(db, Call) == 0


def test_a_nul_in_the_callers_other_fields_is_left_out(http, db):
    sid = "CA" + "3" * 32
    params = {"CallSid": sid, "From": "+86139\x0000001111", "To": "+86\x0012319000000"}
    assert post(http, "/twilio/voice", params).status_code == 200
    call = the_call(db, sid)
    assert (call.from_phone, call.to_phone) == (CALLER, "+8612319000000")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"CallDuration": "²"}, "CallDuration"),  # isdigit(), yet no int()
        ({"CallDuration": "99999999999999999999"}, "CallDuration"),  # over the column
        ({"CallDuration": "2147483648"}, "CallDuration"),
        ({"CallDuration": "-5"}, "CallDuration"),
        ({"CallDuration": "4 2"}, "CallDuration"),
        ({"CallStatus": ""}, "CallStatus"),
        ({"CallStatus": "completed\x00"}, "CallStatus"),
        ({"CallStatus": "c" * 21}, "CallStatus"),
        ({"CallSid": ""}, "CallSid"),
        ({"CallSid": "CA\x00"}, "CallSid"),
    ],
)
def test_a_bad_status_callback_is_a_400_and_changes_nothing(http, db, change, field):
    sid = "CA" + "4" * 32
    call_in(http, sid)
    params = {"CallSid": sid, "CallStatus": "completed", "CallDuration": "42", **change}
    refused(post(http, "/twilio/voice/status", params), field)
    call = the_call(db, sid)
    assert (call.status, call.duration_seconds, call.ended_at) == ("ringing", None, None)


def test_the_longest_duration_the_column_holds_is_kept(http, db):
    sid = "CA" + "5" * 32
    call_in(http, sid)
    params = {"CallSid": sid, "CallStatus": "completed", "CallDuration": "2147483647"}
    assert post(http, "/twilio/voice/status", params).status_code == 204
    assert the_call(db, sid).duration_seconds == 2147483647


def test_a_voicemail_with_a_recording_address_too_long_is_still_registered(http, db):
    sid = "CA" + "6" * 32
    call_in(http, sid)
    url = "https://api.twilio.com/rec/RE6?" + "x" * 6000
    params = {"CallSid": sid, "RecordingUrl": url, "RecordingSid": "RE6"}
    answer = post(http, "/twilio/voice/message", params)
    assert answer.status_code == 200 and "<Hangup" in answer.text
    call = the_call(db, sid)
    [case] = db.session.scalars(select(Case)).all()
    assert call.case_id == case.id and call.recording_sid == "RE6"
    assert call.recording_url == url[:500] and call.recording_url in case.description
    assert (case.caller_phone, case.status) == (CALLER, "registered")


def test_a_voicemail_with_a_nul_in_its_recording_address_is_still_registered(http, db):
    sid = "CA" + "7" * 32
    call_in(http, sid)
    params = {
        "CallSid": sid,
        "RecordingUrl": "https://api.twilio.com/rec/\x00RE7",
        "RecordingSid": "RE\x007",
    }
    assert post(http, "/twilio/voice/message", params).status_code == 200
    call = the_call(db, sid)
    [case] = db.session.scalars(select(Case)).all()
    assert call.case_id == case.id and call.recording_sid == "RE7"
    assert "https://api.twilio.com/rec/RE7" in case.description and "\x00" not in case.description


def test_a_voicemail_without_a_proper_callsid_is_a_400(http, db):
    call_in(http, "CA" + "8" * 32)
    for sid in ("", "CA\x00" + "8" * 32, "CA" + "8" * 70):
        params = {"CallSid": sid, "RecordingUrl": "https://api.twilio.com/rec/RE8"}
        refused(post(http, "/twilio/voice/message", params), "CallSid")
    assert count(db, Case) == 0
    assert the_call(db, "CA" + "8" * 32).recording_url == ""


@pytest.mark.parametrize(
    "body, description",
    [("\x00", "(空短信)"), ("停水\x00了", "停水了"), ("\x00" * 3 + "燃气味", "燃气味")],
)
def test_a_text_with_a_nul_from_a_new_sender_is_a_new_case_without_it(http, db, body, description):
    params = {"MessageSid": "SM1", "From": CALLER, "To": "+8612319000000", "Body": body}
    answer = post(http, "/twilio/sms", params)
    assert answer.status_code == 200 and "<Response" in answer.text
    db.session.rollback()
    [case] = db.session.scalars(select(Case)).all()
    assert (case.caller_phone, case.channel, case.description) == (CALLER, "sms", description)
    [text] = db.session.scalars(select(InboundSms)).all()
    assert (text.outcome, text.case_id, text.body) == (
        "new_case",
        case.id,
        body.replace("\x00", ""),
    )


def test_a_text_with_a_nul_to_an_open_case_is_a_follow_up_without_it(http, db, make_case):
    case = make_case("dispatched", caller_phone=CALLER)
    params = {"MessageSid": "SM2", "From": CALLER, "Body": "还是\x00没水"}
    assert post(http, "/twilio/sms", params).status_code == 200
    db.session.rollback()
    [follow_up] = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "follow_up")
    ).all()
    assert follow_up.data["text"] == "还是没水"


def test_a_nul_in_the_sender_is_left_out(http, db):
    params = {"MessageSid": "SM3", "From": "\x00+8613900001111", "Body": "路灯不亮"}
    assert post(http, "/twilio/sms", params).status_code == 200
    db.session.rollback()
    [text] = db.session.scalars(select(InboundSms)).all()
    assert text.from_phone == CALLER and text.outcome == "new_case"


@pytest.mark.parametrize("sid", ["", "SM\x001", "SM" + "9" * 63])
def test_a_text_without_a_proper_messagesid_is_a_400(http, db, sid):
    params = {"MessageSid": sid, "From": CALLER, "Body": "停水"}
    refused(post(http, "/twilio/sms", params), "MessageSid")
    assert count(db, InboundSms) == 0 and count(db, Case) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "SM\x00" + "1" * 32, "MessageStatus": "delivered"},
        {"MessageSid": "SM" + "1" * 32, "MessageStatus": "undelivered", "ErrorCode": "30\x0005"},
    ],
)
def test_a_delivery_report_with_a_nul_is_a_400(http, db, params):
    assert post(http, "/twilio/sms/status", params).status_code == 400
    assert count(db, SmsStatusCallback) == 0


def test_a_query_string_that_is_not_utf8_fails_the_signature_not_the_server(http, db):
    params = {"CallSid": "CA" + "9" * 32, "From": CALLER}
    answer = http.post(
        "/twilio/voice",
        data=params,
        headers=signed("/twilio/voice", params),
        environ_overrides={"QUERY_STRING": "\xff"},  # a raw byte, as WSGI passes it
    )
    assert answer.status_code == 403
    assert count(db, Call) == 0
