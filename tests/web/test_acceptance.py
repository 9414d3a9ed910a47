"""签收时限: a dispatched case is accepted by the end of the next working day (emergencies
within 30 minutes, or as the deadline policy says); a miss is flagged once, in the history
and on the pages, and accepting or a new dispatch clears it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import Action, CaseEvent, utcnow
from app.sqlite import writing
from dispatch import acceptance, jobs, lifecycle, policies

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def missed_events(db, case) -> list[CaseEvent]:
    db.session.rollback()
    query = select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.ACCEPT_OVERDUE
    )
    return db.session.scalars(query).all()


def test_by_the_end_of_the_next_working_day(make_case):
    monday = make_case(at=local(2026, 11, 23, 9, 0))
    assert monday.accept_due_at == local(2026, 11, 24, 23, 59, 59)
    friday = make_case(at=local(2026, 11, 27, 17, 0))  # over the weekend
    assert friday.accept_due_at == local(2026, 11, 30, 23, 59, 59)
    national_day = make_case(at=local(2026, 9, 30, 12, 0))  # 1–7 October are holidays
    assert national_day.accept_due_at == local(2026, 10, 8, 23, 59, 59)


def test_an_emergency_within_thirty_minutes(make_case):
    case = make_case(category="gas.leak", at=local(2026, 11, 23, 9, 0))
    assert case.accept_due_at == local(2026, 11, 23, 9, 30)


def test_a_policy_sets_its_own_acceptance_time(db, make_case):
    db.session.commit()
    with writing():
        data = {"category": "water.outage", "reply_amount": "3", "reply_unit": "working_days"}
        policies.save_policy({**data, "accept_minutes": "120"}, None, utcnow())
        db.session.commit()
    case = make_case(at=local(2026, 11, 23, 9, 0))
    assert case.accept_due_at == local(2026, 11, 23, 11, 0)


def test_a_miss_is_flagged_once_and_accepting_clears_it(db, user, make_case):
    case = make_case(at=local(2026, 11, 23, 9, 0))
    assert jobs.flag_missed_acceptance(local(2026, 11, 24, 23, 59, 58)) == []
    [missed] = jobs.flag_missed_acceptance(local(2026, 11, 25, 0, 0))
    assert (missed.number, missed.department) == (case.number, "water")
    assert jobs.flag_missed_acceptance(local(2026, 11, 26, 0, 0)) == []  # once
    [event] = missed_events(db, case)
    assert event.actor_id is None and event.data["department"] == "water"
    db.session.refresh(case)
    assert case.accept_overdue and case.accept_due_at is None and case.status == "dispatched"
    with writing():
        lifecycle.act(case, Action.ACCEPT, user("water1"), local(2026, 11, 25, 9, 0))
        db.session.commit()
    db.session.refresh(case)
    assert not case.accept_overdue and case.accept_due_at is None


def test_a_transfer_gives_the_new_department_its_own_time(db, user, make_case):
    case = make_case("accepted", at=local(2026, 11, 23, 9, 0))
    assert case.accept_due_at is None
    moment = local(2026, 11, 24, 10, 0)
    with writing():
        params = {"department": "drainage", "reason": "排水管网问题"}
        lifecycle.act(case, Action.TRANSFER, user("water1"), moment, params)
        db.session.commit()
    assert case.accept_due_at == local(2026, 11, 25, 23, 59, 59)
    assert jobs.flag_missed_acceptance(local(2026, 11, 25, 12, 0)) == []


def test_the_flag_shows_on_the_case_page_and_list(db, login, make_case):
    case = make_case(at=local(2026, 11, 23, 9, 0))
    jobs.flag_missed_acceptance(local(2026, 11, 25, 0, 0))
    client = login("operator1")
    assert "超时未签收" in client.get(f"/cases/{case.number}").text
    assert "超时未签收" in client.get("/cases/").text


def test_a_case_not_due_by_the_clock_read_after_the_claim_is_left_alone(db, make_case):
    """The clock stepped back between the batch's first reading and its claim."""
    case = make_case(at=local(2026, 11, 23, 9, 0))
    due = case.accept_due_at
    db.session.commit()
    with writing():
        earlier = due - timedelta(minutes=1)
        claimed, missed = acceptance.flag_missed(
            due + timedelta(minutes=1), 10, recheck=lambda: earlier
        )
        db.session.commit()
    assert (claimed, missed) == (1, [])
    db.session.refresh(case)
    assert case.accept_due_at == due and not case.accept_overdue
    assert [m.number for m in jobs.flag_missed_acceptance(due)] == [case.number]
