"""Every hand-off as a scenario from intake to close, with its history: return, transfer,
extension (approved and refused), pause, rework after a dissatisfied callback, and reopen;
and what the desks show of them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Action, CaseEvent, OutboxMessage
from app.sqlite import writing
from dispatch import lifecycle
from notifications import inbound


def run(db, user, case, now, *steps):
    """Take (action, username, params) steps in order, each a minute after the last."""
    moment = now
    with writing():
        for action, username, params in steps:
            moment += timedelta(minutes=1)
            lifecycle.act(case, Action(action), user(username), moment, params)
        db.session.commit()
    db.session.refresh(case)
    return case


def history(db, case) -> list[tuple[str, str | None, str]]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return [(e.action, e.from_status, e.to_status) for e in db.session.scalars(query)]


def test_returned_twice_then_dispatched_right_and_closed(db, user, now, make_case, login):
    case = make_case("dispatched", description="小区垃圾清运不及时")
    returned = ("return", "water1", {"reason": "不属于供水职责"})
    again = ("dispatch", "operator1", {"department": "water"})
    run(db, user, case, now, returned, again, returned)
    assert case.status == "registered" and case.return_count == 2
    board = login("operator1").get("/desk/board").text
    assert "退回×2" in board
    supervisor = login("supervisor1").get("/desk/supervisor").text
    assert case.number in supervisor and "各部门退回次数" in supervisor
    assert "市供水集团" in supervisor
    assert case.number in login("water1").get("/desk/department").text  # returned by us
    run(
        db,
        user,
        case,
        now + timedelta(hours=1),
        ("dispatch", "operator1", {"department": "appearance"}),
        ("accept", "appearance1", {}),
        ("reply", "appearance1", {"text": "已安排清运"}),
        ("approve_reply", "operator1", {}),
        ("callback", "operator1", {"satisfied": True}),
    )
    assert [a for a, _, _ in history(db, case)] == [
        "register", "dispatch", "return", "dispatch", "return",
        "dispatch", "accept", "reply", "approve_reply", "callback",
    ]  # fmt: skip
    assert case.status == "closed"
    # Another department's case now: not on the desk of the one that returned it.
    assert case.number not in login("water1").get("/desk/department").text


def test_transfer_extension_refused_then_approved_and_closed(db, user, now, make_case):
    case = make_case("accepted")
    due = case.due_at
    later = (due + timedelta(days=5)).isoformat()
    run(
        db,
        user,
        case,
        now,
        ("transfer", "water1", {"department": "drainage", "reason": "雨水管网堵塞"}),
        ("accept", "drainage1", {}),
        ("extend", "drainage1", {"until": later, "reason": "需要管道检测"}),
        ("refuse_extension", "supervisor1", {"reason": "请先出具检测计划"}),
        ("extend", "drainage1", {"until": later, "reason": "检测计划已附"}),
        ("approve_extension", "supervisor1", {}),
        ("reply", "drainage1", {"text": "管道已疏通"}),
        ("approve_reply", "supervisor1", {}),
        ("close", "operator1", {"resolution": "已办结"}),
    )
    assert case.status == "closed" and case.department.code == "drainage"
    assert case.due_at.isoformat() == later
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ).all()
    transfer = next(e for e in events if e.action == "transfer")
    assert (transfer.data["from_department"], transfer.data["department"]) == ("water", "drainage")
    assert [e.action for e in events if "extension" in e.action] == [
        "refuse_extension",
        "approve_extension",
    ]


def test_rework_after_a_dissatisfied_callback_then_reopen(db, user, now, make_case):
    case = make_case("replied")
    first_round = case.clock_round
    run(
        db,
        user,
        case,
        now,
        ("callback", "operator1", {"satisfied": False, "note": "仍然停水"}),
        ("accept", "water1", {}),
        ("reply", "water1", {"text": "更换阀门后已恢复"}),
        ("approve_reply", "operator1", {}),
        ("callback", "operator1", {"satisfied": True}),
        ("reopen", "supervisor1", {"reason": "市民再次来电反映"}),
    )
    assert case.status == "dispatched" and case.clock_round == first_round + 2
    actions = [a for a, _, _ in history(db, case)]
    assert actions[-6:] == ["callback", "accept", "reply", "approve_reply", "callback", "reopen"]
    assert history(db, case)[-6][1:] == ("replied", "dispatched")  # back for rework (重办)
    run(
        db,
        user,
        case,
        now + timedelta(hours=1),
        ("accept", "water1", {}),
        ("reply", "water1", {"text": "管网改造完成"}),
        ("approve_reply", "operator1", {}),
        ("close", "operator1", {"resolution": "已办结"}),
    )
    assert case.status == "closed"


def test_paused_for_the_caller_then_closed(db, user, now, make_case):
    case = make_case("accepted")
    due = case.due_at
    until = (now + timedelta(days=3)).isoformat()
    pause = {"kind": "materials", "reason": "请市民提供物业合同", "until": until}
    run(db, user, case, now, ("pause", "water1", pause))
    with writing():
        inbound.receive(
            "SM" + "6" * 32, case.caller_phone, "合同已拍照发到邮箱", now + timedelta(hours=2)
        )
        db.session.commit()
    db.session.refresh(case)
    assert case.paused_at is None and case.due_at > due
    run(
        db,
        user,
        case,
        now + timedelta(hours=3),
        ("reply", "water1", {"text": "已核实合同并处理"}),
        ("approve_reply", "operator1", {}),
        ("callback", "operator1", {"satisfied": True}),
    )
    assert [a for a, _, _ in history(db, case)][-6:] == [
        "pause", "follow_up", "resume", "reply", "approve_reply", "callback",
    ]  # fmt: skip
    assert case.status == "closed"


def test_a_consultation_answered_on_the_call_is_closed_at_once(db, login, client):
    form = {
        "channel": "phone",
        "caller_phone": "138 1234 1234",
        "category": "consult",
        "description": "咨询:二次供水水箱多久清洗一次?",
        "priority": "normal",
        "answer": "按规定每半年清洗消毒一次,可向物业索取检测报告。",
    }
    supervisor = login("supervisor1").post("/cases/new", data=form)
    assert supervisor.status_code == 422  # only operators answer on the call; nothing saved
    assert db.session.scalars(select(CaseEvent)).all() == []
    done = login("operator1").post("/cases/new", data=form)
    assert done.status_code == 302
    number = done.location.rsplit("/", 1)[-1]
    db.session.rollback()
    events = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
    assert [(e.action, e.to_status) for e in events] == [
        ("register", "registered"),
        ("answer_on_call", "closed"),
    ]
    assert events[-1].data["text"].startswith("按规定")
    steps = client.get(f"/api/v1/track?number={number}&phone_last4=1234").json
    assert steps["status"] == "closed" and steps["answer"].startswith("按规定")
    assert db.session.scalars(select(OutboxMessage)).all() == []  # answered: no receipt
