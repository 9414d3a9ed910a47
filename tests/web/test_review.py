"""回复审核: a department's reply waits for the operator's review. Approved, the caller gets
the reply and the satisfaction question once each (through the real twilio client and the
fake Twilio) and the case joins the callback list; sent back (退回重办), the same department
works on it again against the same deadline, and reworks are counted per department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent, OutboxMessage
from app.sqlite import writing
from dispatch import jobs
from notifications import inbound
from notifications.gateway import TwilioGateway
from tests.fake_twilio import FakeTwilio

CALLER = "+8613812341234"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fake():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake):
    return TwilioGateway(fake.account_sid, "token", "+8612319000000", base_url=fake.url, timeout=2)


def post(client, auth_header, number, action, who, **params):
    return client.post(f"/api/v1/cases/{number}/{action}", json=params, headers=auth_header(who))


def fresh(db, case: Case) -> Case:
    db.session.rollback()
    return db.session.get(Case, case.id, populate_existing=True)


def send_all(gateway) -> None:
    """The outbox worker's runs, later than every message queued (the API acts at the
    real time, the factory at the fixed `now`)."""
    later = datetime.now(UTC) + timedelta(hours=1)
    jobs.send_outbox(gateway, later)
    jobs.send_outbox(gateway, later + timedelta(minutes=5))


def history(db, case) -> list[CaseEvent]:
    db.session.rollback()
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return list(db.session.scalars(query))


def templates_queued(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage.template).order_by(OutboxMessage.id)))


def text_in(db, case: Case, body: str, sid: str, at: datetime) -> str:
    """The caller texts the hotline (the webhook's service); the outcome's kind."""
    db.session.rollback()
    with writing():
        outcome = inbound.receive(sid, case.caller_phone, body, at)
        db.session.commit()
    return outcome.kind


def test_an_approved_reply_reaches_the_caller_once_then_the_callback_closes_it(
    db, client, auth_header, login, make_case, now, fake, gateway
):
    case = make_case("accepted")
    assert (
        post(client, auth_header, case.number, "reply", "water1", text="阀门已更换").status_code
        == 200
    )
    assert templates_queued(db) == ["receipt"]  # nothing to the caller before the review
    board = login("operator1").get("/desk/board").text
    review, callbacks = board.split("待审核</h2>")[1], board.split("待回访</h2>")[1]
    assert case.number in review.split("</section>")[0]
    assert case.number not in callbacks.split("</section>")[0]
    public = client.get(f"/api/v1/track?number={case.number}&phone_last4=1234").json
    assert public["status"] == "accepted" and "replied" not in [s["step"] for s in public["steps"]]
    # the caller texts "1" before any question was asked: a follow-up, not a callback
    assert text_in(db, case, "1", "SM" + "1" * 32, now + timedelta(minutes=5)) == "follow_up"
    assert fresh(db, case).status == "replied"

    approved = post(client, auth_header, case.number, "approve_reply", "operator1")
    assert approved.status_code == 200 and approved.json["reply_approved_at"]
    again = post(client, auth_header, case.number, "approve_reply", "supervisor1")
    assert again.status_code == 409  # released once
    assert templates_queued(db) == ["receipt", "reply", "satisfaction"]
    send_all(gateway)
    sent = fake.sent_to(CALLER)
    assert len(sent) == 3 and sum("阀门已更换" in m["body"] for m in sent) == 1
    assert sum("回复1满意" in m["body"] for m in sent) == 1
    board = login("operator1").get("/desk/board").text
    assert case.number in board.split("待回访</h2>")[1].split("</section>")[0]
    assert case.number not in board.split("待审核</h2>")[1].split("</section>")[0]

    assert text_in(db, case, "1 修好了", "SM" + "2" * 32, now + timedelta(hours=1)) == "callback"
    case = fresh(db, case)
    assert (case.status, case.satisfied) == ("closed", True)
    assert [e.action for e in history(db, case)] == [
        "register", "dispatch", "accept", "reply", "follow_up", "approve_reply", "callback",
    ]  # fmt: skip
    approve = next(e for e in history(db, case) if e.action == "approve_reply")
    assert approve.actor.username == "operator1" and approve.data == {"department": "water"}
    steps = client.get(f"/api/v1/track?number={case.number}&phone_last4=1234").json["steps"]
    assert [s["step"] for s in steps][-2:] == ["replied", "closed"]


def test_a_reply_sent_back_for_rework_is_worked_again_then_approved(
    db, client, auth_header, login, make_case, now, fake, gateway
):
    case = make_case("reviewing")
    due = case.due_at
    refused = post(client, auth_header, case.number, "rework", "operator1")
    assert refused.status_code == 422 and "reason" in refused.json["error"]["fields"]
    assert fresh(db, case).status == "replied" and len(history(db, case)) == 4  # nothing written

    reason = "回复未说明恢复供水的时间"
    sent_back = post(client, auth_header, case.number, "rework", "operator1", reason=reason)
    assert sent_back.status_code == 200
    case = fresh(db, case)
    assert (case.status, case.reply_text, case.replied_at) == ("accepted", "", None)
    assert case.due_at == due and case.next_escalation_at is not None
    rework = history(db, case)[-1]
    assert (rework.action, rework.from_status, rework.to_status) == (
        "rework",
        "replied",
        "accepted",
    )
    assert rework.data == {"reason": reason, "department": "water", "reply": "已修复管道,恢复供水"}
    desk = login("water1").get("/desk/department").text
    assert case.number in desk.split("退回重办</h2>")[1].split("</section>")[0]
    page = login("water1").get(f"/cases/{case.number}").text
    assert reason in page and 'action-reply"' in page  # the reason, and the reply form again
    supervisor = login("supervisor1").get("/desk/supervisor").text
    counted = supervisor.split("各部门回复退回重办次数")[1].split("</section>")[0]
    assert "市供水集团" in counted and "<td>1</td><td>1</td>" in counted

    answer = "已修复管道,今天18:00前恢复供水"
    assert post(client, auth_header, case.number, "reply", "water1", text=answer).status_code == 200
    assert fresh(db, case).reworked_at is None
    assert post(client, auth_header, case.number, "approve_reply", "supervisor1").status_code == 200
    assert post(client, auth_header, case.number, "close", "operator1").status_code == 200
    send_all(gateway)
    replies = [m["body"] for m in fake.sent_to(CALLER) if "恢复供水" in m["body"]]
    assert len(replies) == 1 and "18:00" in replies[0]  # only the approved answer went out
    assert templates_queued(db) == ["receipt", "reply", "satisfaction"]
    assert [e.action for e in history(db, case)][2:] == [
        "accept", "reply", "rework", "reply", "approve_reply", "close",
    ]  # fmt: skip
    assert (
        not login("water1")
        .get("/desk/department")
        .text.split("退回重办</h2>")[1]
        .split("</section>")[0]
        .count(case.number)
    )


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def test_escalation_resumes_on_the_unchanged_deadline_after_a_rework(
    db, client, auth_header, make_case
):
    case = make_case("reviewing", at=local(2026, 11, 20, 10, 0))  # due 11-25 23:59:59
    assert case.next_escalation_at is None  # a reply stops the clock
    assert [item.number for item in jobs.escalate_due_cases(local(2026, 11, 27, 0, 0))] == []
    reason = "请写明现场处理情况"
    assert post(client, auth_header, case.number, "rework", "operator1", reason=reason).status_code
    reached = [(i.number, i.level) for i in jobs.escalate_due_cases(local(2026, 11, 27, 0, 5))]
    assert reached == [(case.number, 1), (case.number, 2)]  # late already: the levels it missed
    assert fresh(db, case).due_at == local(2026, 11, 25, 23, 59, 59)


def test_only_operators_and_supervisors_review_and_only_cases_they_may_see(
    db, client, auth_header, login, make_case
):
    case = make_case("reviewing")
    for who in ("water1", "admin"):
        assert post(client, auth_header, case.number, "approve_reply", who).status_code == 409
        answer = post(client, auth_header, case.number, "rework", who, reason="x")
        assert answer.status_code == 409
    for action in ("approve_reply", "rework"):  # another department's case: not there at all
        assert post(client, auth_header, case.number, action, "gas1", reason="x").status_code == 404
    handler_page = login("water1").get(f"/cases/{case.number}").text
    assert "action-approve_reply" not in handler_page and "action-rework" not in handler_page
    operator_page = login("operator1").get(f"/cases/{case.number}").text
    assert "action-approve_reply" in operator_page and "action-rework" in operator_page
    assert "action-callback" not in operator_page  # no callback before the reply is released
    assert (
        post(client, auth_header, case.number, "callback", "operator1", satisfied=True).status_code
        == 409
    )
    assert post(client, auth_header, case.number, "close", "operator1").status_code == 409
    assert len(history(db, case)) == 4 and fresh(db, case).reply_approved_at is None


def test_the_review_buttons_on_the_case_page_work(db, login, make_case):
    case = make_case("reviewing")
    operator = login("operator1")
    page = operator.post(f"/cases/{case.number}/rework", data={"reason": ""}, follow_redirects=True)
    assert "reason" in page.text and fresh(db, case).status == "replied"
    done = operator.post(
        f"/cases/{case.number}/rework", data={"reason": "缺少现场照片"}, follow_redirects=True
    )
    assert done.status_code == 200 and fresh(db, case).status == "accepted"
    assert "缺少现场照片" in done.text
    count = db.session.scalar(
        select(func.count()).where(CaseEvent.case_id == case.id, CaseEvent.action == "rework")
    )
    assert count == 1
