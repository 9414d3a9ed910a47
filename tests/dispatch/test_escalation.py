"""Escalation by time travel: levels 1, 2, 3 at the right moments across a weekend and the
National Day holiday; a reply stops it, an extension moves it, a reopen starts again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import Action, CaseEscalation, CaseEvent, OutboxMessage, SupervisionNotice
from app.sqlite import writing
from dispatch import jobs, lifecycle

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def sweep(at: datetime) -> list[tuple[str, int]]:
    return [(item.number, item.level) for item in jobs.escalate_due_cases(at)]


def levels(db, case) -> list[int]:
    query = select(CaseEscalation.level).where(CaseEscalation.case_id == case.id)
    return sorted(db.session.scalars(query))


def test_levels_across_national_day(db, make_case):
    # Wednesday 30 September, 09:00: due after 8, 9 and the make-up Saturday 10 October.
    case = make_case(at=local(2026, 9, 30, 9, 0))
    assert case.due_at == local(2026, 10, 10, 23, 59, 59)
    assert sweep(local(2026, 10, 9, 23, 59, 58)) == []
    assert sweep(local(2026, 10, 9, 23, 59, 59)) == [(case.number, 1)]
    assert sweep(local(2026, 10, 10, 12, 0)) == []
    assert sweep(local(2026, 10, 11, 0, 0)) == [(case.number, 2)]
    allowed = case.due_at - local(2026, 9, 30, 9, 0)
    assert sweep(case.due_at + allowed - timedelta(seconds=1)) == []
    assert sweep(case.due_at + allowed) == [(case.number, 3)]
    assert sweep(case.due_at + allowed * 5) == []
    db.session.refresh(case)
    assert case.escalation_level == 3 and case.next_escalation_at is None
    assert levels(db, case) == [1, 2, 3]
    history = [e.data["level"] for e in case.events if e.action == "escalate"]
    assert history == [1, 2, 3]


def test_level_two_opens_a_supervision_notice_and_texts_the_head(db, make_case):
    case = make_case(at=local(2026, 11, 20, 10, 0))  # Friday: due Wednesday 25th
    sweep(local(2026, 11, 26, 0, 0))
    notices = db.session.scalars(select(SupervisionNotice)).all()
    assert [(n.case_id, n.reason, n.status) for n in notices] == [(case.id, "overdue", "open")]
    texts = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template != "receipt").order_by(OutboxMessage.id)
    ).all()
    assert [(t.template, t.to_phone) for t in texts] == [
        ("escalation_1", "+8613800010001"),  # the water department's on-call phone
        ("escalation_2", "+8613800010002"),  # its head
    ]
    assert all(case.number in t.body for t in texts)


def test_a_reply_stops_the_clock_at_every_level(db, make_case, user):
    start = local(2026, 11, 20, 10, 0)
    points = [local(2026, 11, 24, 12, 0), local(2026, 11, 26, 12, 0), local(2026, 12, 2, 0, 0)]
    for reply_at in [start + timedelta(hours=1), *points]:
        case = make_case(status="accepted", at=start)
        sweep(reply_at)
        reached = levels(db, case)
        with writing():
            lifecycle.act(case, Action.REPLY, user("water1"), reply_at, {"text": "已处理"})
            db.session.commit()
        assert sweep(reply_at + timedelta(days=60)) == []
        assert levels(db, case) == reached


def test_an_approved_extension_moves_the_escalation(db, make_case, user):
    start = local(2026, 11, 20, 10, 0)
    case = make_case(status="accepted", at=start)
    until = local(2026, 12, 4, 23, 59, 59)
    with writing():
        lifecycle.act(
            case,
            Action.EXTEND,
            user("water1"),
            start,
            {"until": until.isoformat(), "reason": "等配件"},
        )
        lifecycle.act(case, Action.APPROVE_EXTENSION, user("supervisor1"), start, {})
        db.session.commit()
    assert sweep(local(2026, 11, 26, 12, 0)) == []  # the old deadline has passed: nothing
    assert sweep(until - timedelta(hours=24)) == [(case.number, 1)]
    assert sweep(until + timedelta(seconds=1)) == [(case.number, 2)]


def test_a_reopened_case_starts_again_at_level_zero(db, make_case, user):
    case = make_case(status="accepted", at=local(2026, 11, 20, 10, 0))
    assert sweep(local(2026, 11, 26, 0, 0)) == [(case.number, 1), (case.number, 2)]
    with writing():
        lifecycle.act(
            case, Action.REPLY, user("water1"), local(2026, 11, 26, 1, 0), {"text": "好了"}
        )
        lifecycle.act(case, Action.APPROVE_REPLY, user("operator1"), local(2026, 11, 26, 2, 0))
        reopen_at = local(2026, 11, 27, 9, 0)
        lifecycle.act(case, Action.REOPEN, user("supervisor1"), reopen_at, {"reason": "没修好"})
        db.session.commit()
    assert case.escalation_level == 0 and case.clock_round == 1
    assert case.due_at == local(2026, 12, 2, 23, 59, 59)
    assert sweep(local(2026, 12, 3, 0, 0)) == [(case.number, 1), (case.number, 2)]
    assert levels(db, case) == [1, 1, 2, 2]


def test_catch_up_after_downtime_escalates_every_level_once(db, make_case):
    cases = [make_case(at=local(2026, 11, 20, 10, 0)) for _ in range(5)]
    done = sweep(local(2027, 3, 1, 0, 0))
    assert sorted(done) == sorted((c.number, level) for c in cases for level in (1, 2, 3))
    assert sweep(local(2027, 3, 1, 0, 0)) == []
    count = db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "escalate")
    )
    assert count == 15


def test_emergency_escalates_on_its_on_site_deadline_in_hours(db, make_case):
    start = local(2026, 11, 21, 3, 0)  # Saturday night
    case = make_case(category="gas.leak", at=start)
    assert case.onsite_due_at == start + timedelta(hours=2)
    assert sweep(start + timedelta(minutes=89)) == []
    assert sweep(start + timedelta(minutes=90)) == [(case.number, 1)]
    assert sweep(start + timedelta(hours=2)) == [(case.number, 2)]
    assert sweep(start + timedelta(hours=4)) == [(case.number, 3)]


def test_the_outbox_adds_one_message_per_key(db, now):
    from notifications import outbox

    first = outbox.Message("k:1", "+8613800010001", "a", "escalation_1", now)
    second = outbox.Message("k:2", "+8613800010001", "b", "escalation_1", now)
    with writing():
        outbox.queue_many([first, second])
        outbox.queue_many([first, second])
        assert outbox.queue("k:3", "+8613800010001", "c", template="escalation_1", now=now)
        assert not outbox.queue("k:3", "+8613800010001", "c", template="escalation_1", now=now)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_level_three_texts_the_head_and_the_supervisors_once(db, make_case):
    case = make_case(at=local(2026, 11, 20, 10, 0))  # Friday: due Wednesday 25th
    sweep(local(2026, 12, 31, 0, 0))
    sweep(local(2027, 1, 31, 0, 0))  # again: nothing more
    query = select(OutboxMessage.to_phone).where(OutboxMessage.template == "escalation_3")
    assert sorted(db.session.scalars(query)) == [
        "+8613800010002",  # the water department's head
        "+8613800090001",  # supervisor1's mobile
    ]
    bodies = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.template == "escalation_3")
    ).all()
    assert all(case.number in body and "严重超期" in body for body in bodies)
