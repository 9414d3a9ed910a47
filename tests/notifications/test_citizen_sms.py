"""The citizen's messages: each template goes out once for its event, to the right E.164
number, with the case number in it, through the real twilio client and the fake Twilio;
long answers are shortened; administrators' wording is used and checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Action, OutboxMessage
from app.sqlite import writing
from dispatch import jobs, lifecycle
from dispatch.errors import ValidationFailed
from notifications import citizen, templates
from notifications.gateway import TwilioGateway
from tests.fake_twilio import FakeTwilio

CALLER = "+8613812341234"


@pytest.fixture
def fake():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake):
    return TwilioGateway(fake.account_sid, "token", "+8612319000000", base_url=fake.url, timeout=2)


def queued(db) -> list[OutboxMessage]:
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_receipt_answer_and_question_go_out_once_each_with_the_number(
    db, now, user, make_case, fake, gateway
):
    case = make_case("replied")  # registered, routed, accepted, replied, reply released
    with writing():  # the same events noticed again queue nothing more
        citizen.after_change(case, Action.REGISTER, now)
        citizen.after_change(case, Action.APPROVE_REPLY, now)
        db.session.commit()
    jobs.send_outbox(gateway, now)
    jobs.send_outbox(gateway, now + timedelta(minutes=5))
    sent = fake.sent_to(CALLER)
    kinds = [m.template for m in queued(db)]
    assert kinds == ["receipt", "reply", "satisfaction"]
    assert len(sent) == 3 and all(case.number in m["body"] for m in sent)
    assert all(m["body"].startswith(templates.SENDER) for m in sent)
    bodies = {m.template: m.body for m in queued(db)}
    assert sorted(m["body"] for m in sent) == sorted(bodies.values())
    receipt, reply, question = bodies["receipt"], bodies["reply"], bodies["satisfaction"]
    assert "11月26日 23:59" in receipt  # Monday's phone case: due on the third working day
    assert f"/track?number={case.number}" in receipt
    assert "已修复管道,恢复供水" in reply
    assert "回复1满意" in question
    assert {m["to"] for m in fake.accepted} == {CALLER}


def test_a_fixed_line_caller_gets_no_text(db, make_case):
    make_case("dispatched", caller_phone="010-62345678")
    assert queued(db) == []


def test_a_long_answer_is_shortened_to_three_parts(db, now, user, make_case):
    case = make_case("accepted")
    answer = "经现场核查," + "管道老化导致漏水,已更换管段并冲洗消毒," * 20
    with writing():
        lifecycle.act(case, Action.REPLY, user("water1"), now, {"text": answer})
        lifecycle.act(case, Action.APPROVE_REPLY, user("operator1"), now)
        db.session.commit()
    reply = next(m for m in queued(db) if m.template == "reply")
    assert len(reply.body) <= templates.MAX_CHARS and templates.segments(reply.body) <= 3
    assert templates.ELLIPSIS in reply.body and case.number in reply.body
    assert reply.body.endswith(f"/track?number={case.number}")


def test_an_emergency_goes_to_the_departments_on_call_phone_once(db, now, make_case, fake, gateway):
    case = make_case("dispatched", category="gas.leak", description="楼道里燃气味很重")
    with writing():  # noticed again: nothing more
        citizen.after_change(case, Action.REGISTER, now)
        db.session.commit()
    jobs.send_outbox(gateway, now)
    [sent] = fake.sent_to("+8613800020001")  # the gas department's on-call phone
    assert case.number in sent["body"] and "楼道里燃气味很重" in sent["body"]
    assert sent["body"].startswith(templates.SENDER + "紧急工单")
    assert [m.template for m in queued(db)] == ["receipt", "emergency_dispatch"]


def test_administrators_wording_is_used_and_checked(db, now, make_case):
    with writing():
        templates.save("receipt", "已受理,编号{number},{deadline}前答复。", now)
        db.session.commit()
    case = make_case("dispatched")
    [receipt] = [m for m in queued(db) if m.template == "receipt"]
    assert receipt.body.startswith(f"{templates.SENDER}已受理,编号{case.number},")
    for body, field in [
        ("", "is required"),
        ("您的工单已受理", "{number}"),
        ("工单{number}{name}", "unknown placeholder name"),
        ("工单{number", "unbalanced"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            templates.check("receipt", body)
        assert field in caught.value.fields["body"]
    preview = templates.preview("reply")
    assert "R2026112300001" in preview and preview.startswith(templates.SENDER)
