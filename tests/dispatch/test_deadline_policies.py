"""Deadlines on registered cases, end to end through the intake service: the calendar with
the administrator's overrides, the policy table over the built-in defaults, and the
per-process cache noticing a change made by another process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, text

from app.models import DeadlinePolicy, utcnow
from app.sqlite import writing
from dispatch import holidays, policies, reference

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def commit(db, change, *args):
    db.session.commit()
    with writing():
        result = change(*args, utcnow())
        db.session.commit()
    return result


def test_a_phone_case_on_friday_is_due_wednesday_at_the_end_of_the_day(make_case, db):
    case = make_case(at=local(2026, 11, 20, 10, 0))
    db.session.expire_all()
    assert case.due_at.astimezone(TZ).isoformat() == "2026-11-25T23:59:59+08:00"
    assert case.due_at.tzinfo == UTC


def test_over_the_weekend_and_national_day_with_its_make_up_saturday(make_case):
    assert make_case(at=local(2026, 11, 27, 17, 0)).due_at == local(2026, 12, 2, 23, 59, 59)
    # chinesecalendar 2026: 1–7 October off, Saturday 10 October a make-up workday (调休)
    assert make_case(at=local(2026, 9, 30, 9, 0)).due_at == local(2026, 10, 10, 23, 59, 59)


def test_intakes_just_before_and_after_local_midnight(make_case, db):
    before = make_case(at=local(2026, 11, 19, 23, 59))
    after = make_case(at=local(2026, 11, 20, 0, 1))
    db.session.expire_all()
    assert before.created_at == datetime(2026, 11, 19, 15, 59, tzinfo=UTC)  # stored in UTC
    assert before.due_at == local(2026, 11, 24, 23, 59, 59)
    assert after.due_at == local(2026, 11, 25, 23, 59, 59)


def test_a_holiday_made_a_workday_moves_the_deadline_earlier(make_case, db):
    commit(db, holidays.add_override, {"date": "2026-10-05", "type": "workday", "note": "调休"})
    assert make_case(at=local(2026, 9, 30, 9, 0)).due_at == local(2026, 10, 9, 23, 59, 59)


def test_a_workday_made_a_holiday_moves_the_deadline_later(make_case, db):
    commit(db, holidays.add_override, {"date": "2026-11-23", "type": "holiday", "note": ""})
    assert make_case(at=local(2026, 11, 20, 10, 0)).due_at == local(2026, 11, 26, 23, 59, 59)


def test_a_year_no_source_covers_counts_monday_to_friday(make_case):
    assert make_case(at=local(2031, 1, 3, 10, 0)).due_at == local(2031, 1, 8, 23, 59, 59)
    assert make_case(at=local(2099, 12, 31, 10, 0)).due_at == local(2100, 1, 5, 23, 59, 59)
    [c2031] = holidays.coverage([2031])
    assert not c2031.covered and not c2031.library


def test_a_category_subtree_policy_beats_a_channel_only_one(make_case, db):
    water = {"category": "water", "reply_amount": "10", "reply_unit": "hours"}
    commit(db, policies.save_policy, water, None)
    [seeded] = [p for p in policies.list_policies() if p.channel == "phone"]
    phone = {"channel": "phone", "reply_amount": "2", "reply_unit": "calendar_days"}
    commit(db, policies.save_policy, phone, seeded)
    start = local(2026, 11, 20, 10, 0)
    assert make_case(at=start, category="water.outage").due_at == start + timedelta(hours=10)
    assert make_case(at=start, category="gas.outage").due_at == start + timedelta(days=2)
    assert make_case(at=start, category="gas.outage", channel="letter").due_at == local(
        2026, 12, 1, 23, 59, 59
    )


def test_an_emergency_category_keeps_its_on_site_deadline(make_case, db):
    commit(
        db,
        policies.save_policy,
        {"category": "water", "reply_amount": "5", "reply_unit": "working_days"},
        None,
    )  # noqa: E501
    start = local(2026, 11, 21, 3, 0)
    case = make_case(at=start, category="water.burst")
    assert case.priority == "emergency"
    assert case.onsite_due_at == start + timedelta(hours=2)
    assert case.due_at == start + timedelta(days=1)


def test_an_edited_emergency_policy_sets_the_on_site_hours(make_case, db):
    [row] = [p for p in policies.list_policies() if p.priority == "emergency"]
    form = {"priority": "emergency", "reply_amount": "12", "reply_unit": "hours"}
    commit(db, policies.save_policy, {**form, "onsite_hours": "1"}, row)
    start = local(2026, 11, 21, 3, 0)
    case = make_case(at=start, category="gas.leak")
    assert (case.onsite_due_at, case.due_at) == (
        start + timedelta(hours=1),
        start + timedelta(hours=12),
    )


def test_with_the_table_empty_the_built_in_defaults_apply(make_case, db):
    db.session.commit()
    with writing():
        db.session.execute(delete(DeadlinePolicy))
        reference.bump(reference.POLICIES, utcnow())
        db.session.commit()
    assert make_case(at=local(2026, 11, 20, 10, 0)).due_at == local(2026, 11, 25, 23, 59, 59)
    assert make_case(at=local(2026, 11, 20, 10, 0), channel="letter").due_at == local(
        2026, 12, 1, 23, 59, 59
    )
    assert make_case(at=local(2026, 11, 20, 10, 0), priority="urgent").due_at == local(
        2026, 11, 23, 23, 59, 59
    )


def test_a_change_by_another_process_is_noticed_within_the_check_interval(app, db, make_case):
    t0 = time.monotonic()
    before = reference.current(clock=lambda: t0)
    with db.engine.begin() as other:  # another process: no in-process notice
        other.execute(
            text(
                "INSERT INTO calendar_overrides (day, is_workday, note, updated_at) "
                "VALUES (:day, :w, '', :at)"
            ),
            {"day": datetime(2026, 11, 23).date(), "w": False, "at": utcnow()},
        )
        other.execute(
            text("UPDATE reference_versions SET version = version + 1 WHERE name = 'calendar'")
        )
    db.session.commit()  # a new request's transaction: it sees what others committed
    interval = app.config["REFERENCE_CHECK_SECONDS"]
    assert reference.current(clock=lambda: t0 + interval / 2) is before
    after = reference.current(clock=lambda: t0 + interval)
    assert after is not before and not after.calendar.is_workday(datetime(2026, 11, 23).date())
    assert make_case(at=local(2026, 11, 20, 10, 0)).due_at == local(2026, 11, 26, 23, 59, 59)
