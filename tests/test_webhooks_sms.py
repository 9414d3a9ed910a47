"""Twilio SMS webhooks against a real server with Twilio configured: incoming texts (the
satisfaction answer, follow-ups, opt-out, unknown senders) handled once per MessageSid even
when Twilio repeats itself at once, signatures checked behind a TLS-terminating proxy, and
delivery reports that arrive out of order."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import func, select

from app.models import Case, CaseEvent, InboundSms, OutboxMessage, SmsOptOut, SmsStatusCallback
from app.sqlite import writing
from notifications import outbox
from tests.livetools import Listener, at_once, live_server, token_for, wait_for
from tests.twilio_signing import TWILIO, signature, signed

CALLER = "+8613812341234"


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **TWILIO) as running:
        yield running


def text(sid: str, body: str, sender: str = CALLER) -> dict:
    return {"MessageSid": sid, "From": sender, "To": "+8612319000000", "Body": body}


def post(url: str, path: str, params: dict) -> requests.Response:
    return requests.post(url + path, data=params, headers=signed(path, params), timeout=15)


def fresh(db, case: Case) -> Case:
    db.session.rollback()
    return db.session.get(Case, case.id, populate_existing=True)


def events_of(db, case: Case, action: str) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == action)
    return db.session.scalars(query).all()


def test_a_satisfied_answer_closes_the_case_once_though_repeated(server, db, make_case):
    _, url = server
    case = make_case("replied")
    params = text("SM" + "a" * 32, "1")
    answers = [post(url, "/twilio/sms", params) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert all("<Response" in a.text for a in answers)
    case = fresh(db, case)
    assert (case.status, case.satisfied) == ("closed", True)
    [callback] = events_of(db, case, "callback")
    assert callback.actor_id is None and callback.data["via"] == "sms"
    assert callback.data["level"] == "satisfied"
    assert db.session.scalar(select(func.count()).select_from(InboundSms)) == 1


def test_five_deliveries_at_once_change_the_case_once_and_answer_fast(server, db, make_case):
    _, url = server
    case = make_case("replied")
    params = text("SM" + "b" * 32, "3 还是没有水")
    started = time.monotonic()
    answers = at_once([lambda: post(url, "/twilio/sms", params)] * 5)
    assert [a.status_code for a in answers] == [200] * 5
    assert time.monotonic() - started < 5  # well within Twilio's 15 seconds
    case = fresh(db, case)
    assert case.status == "dispatched" and case.satisfied is False  # back for rework (重办)
    [callback] = events_of(db, case, "callback")
    assert callback.data["note"] == "还是没有水" and callback.data["rework"] is True
    assert case.clock_round == 1


@pytest.mark.parametrize(
    "body, level",
    [
        ("满意", "satisfied"),
        ("２", "basically_satisfied"),
        ("基本满意,谢谢", "basically_satisfied"),
        ("不满意!", "not_satisfied"),
        ("1。", "satisfied"),
    ],
)
def test_answers_in_their_usual_forms(server, db, make_case, body, level):
    _, url = server
    case = make_case("replied")
    assert post(url, "/twilio/sms", text(f"SM{level}{len(body)}{body}", body)).status_code == 200
    fresh(db, case)
    [callback] = events_of(db, case, "callback")
    assert callback.data["level"] == level


def test_other_text_is_a_follow_up_pushed_live(server, db, make_case):
    live_app, url = server
    case = make_case("accepted")
    listener = Listener(url, token_for(live_app, "water1"))
    try:
        answer = post(url, "/twilio/sms", text("SM" + "c" * 32, "水又停了,请尽快来人"))
        assert answer.status_code == 200
        assert wait_for(lambda: listener.named("sms.received"))
        [pushed] = listener.named("sms.received")
        assert pushed["number"] == case.number and pushed["kind"] == "follow_up"
        assert pushed["text"] == "水又停了,请尽快来人" and CALLER not in str(pushed)
    finally:
        listener.close()
    case = fresh(db, case)
    assert case.status == "accepted"
    [note] = events_of(db, case, "follow_up")
    assert note.data["text"] == "水又停了,请尽快来人"


def test_an_unknown_senders_text_is_a_new_case_waiting_for_an_operator(server, db):
    _, url = server
    sender = "+8613955556666"
    post(url, "/twilio/sms", text("SM" + "d" * 32, "小区门口井盖丢了", sender=sender))
    db.session.rollback()
    [case] = db.session.scalars(select(Case).where(Case.caller_phone == sender)).all()
    assert (case.channel, case.status, case.department_id) == ("sms", "registered", None)
    assert case.description == "小区门口井盖丢了"


def test_opt_out_stops_further_messages_and_start_resumes(server, db, now, make_case):
    _, url = server
    post(url, "/twilio/sms", text("SM" + "e" * 32, "退订"))
    db.session.rollback()
    assert db.session.get(SmsOptOut, CALLER) is not None
    case = make_case("dispatched")  # its receipt is queued, then withheld at sending time
    from dispatch import jobs
    from notifications.gateway import ConsoleGateway

    gateway = ConsoleGateway()
    with writing():
        outbox.queue("extra", CALLER, "【12319热线】测试", template="test", now=now)
        db.session.commit()
    assert jobs.send_outbox(gateway, now).cancelled == 2
    assert gateway.sent == []
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {"cancelled"}
    post(url, "/twilio/sms", text("SM" + "f" * 32, "START"))
    db.session.rollback()
    assert db.session.get(SmsOptOut, CALLER) is None
    assert case.number


def test_a_missing_or_wrong_signature_is_refused_and_changes_nothing(server, db, make_case):
    _, url = server
    case = make_case("replied")
    params = text("SM" + "9" * 32, "1")
    missing = requests.post(url + "/twilio/sms", data=params, timeout=5)
    wrong = requests.post(
        url + "/twilio/sms", data=params, headers={"X-Twilio-Signature": "x"}, timeout=5
    )
    # Signed for the address the app sees, not the public one Twilio calls: refused too.
    local = signature("/twilio/sms", params, base=url)
    direct = requests.post(
        url + "/twilio/sms", data=params, headers={"X-Twilio-Signature": local}, timeout=5
    )
    assert [missing.status_code, wrong.status_code, direct.status_code] == [403, 403, 403]
    assert fresh(db, case).status == "replied"
    assert db.session.scalar(select(func.count()).select_from(InboundSms)) == 0


def test_delivery_reports_out_of_order_keep_the_final_state_and_every_report(server, db, now):
    _, url = server
    with writing():
        outbox.queue("k1", CALLER, "【12319热线】一", template="test", now=now)
        outbox.queue("k2", CALLER, "【12319热线】二", template="test", now=now)
        db.session.commit()
    first, second = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    with writing():
        first.status, first.provider_sid = "sent", "SM" + "1" * 32
        second.status, second.provider_sid = "sent", "SM" + "2" * 32
        db.session.commit()
    reports = [
        (first.provider_sid, "delivered", ""),
        (first.provider_sid, "sent", ""),  # "sent" arrives after "delivered"
        (second.provider_sid, "failed", "30003"),
        (second.provider_sid, "failed", "30003"),  # the same failure twice
    ]
    for sid, status, code in reports:
        params = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": code}
        assert post(url, "/twilio/sms/status", params).status_code == 204
    db.session.rollback()
    first, second = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert first.status == "delivered"
    assert second.status == "undelivered" and "30003" in second.error
    kept = db.session.scalars(select(SmsStatusCallback).order_by(SmsStatusCallback.id)).all()
    assert [(k.provider_sid, k.status) for k in kept] == [(s, st) for s, st, _ in reports]


def test_a_report_before_the_sends_answer_is_applied_when_the_answer_is_stored(db, now):
    from notifications import delivery

    with writing():
        delivery.record_status("SM" + "7" * 32, "delivered", "", now)  # no message has it yet
        outbox.queue("k3", CALLER, "【12319热线】三", template="test", now=now)
        db.session.commit()
    with writing():
        [claimed] = delivery.claim(now, 10)
        tally = delivery.Round()
        delivery.settle(claimed, delivery.Outcome(sid="SM" + "7" * 32), now, tally)
        db.session.commit()
    assert db.session.scalars(select(OutboxMessage.status)).one() == "delivered"


def test_a_report_without_sid_or_with_an_unknown_status_is_a_400(server, db):
    _, url = server
    bad = {"MessageSid": "SM" + "5" * 32, "MessageStatus": "exploded"}
    assert post(url, "/twilio/sms/status", bad).status_code == 400
    assert post(url, "/twilio/sms", {"From": CALLER, "Body": "1"}).status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SmsStatusCallback)) == 0
