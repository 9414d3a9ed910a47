"""Deadlines: the built-in policies by channel and priority, in working days on the
holiday calendar, and the precedence of policies. Pure: no app, no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch import deadlines
from dispatch.deadlines import DEFAULT_POLICIES, Policy, Unit
from dispatch.workcalendar import WorkCalendar, chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = chinese_calendar()
WATER_OUTAGE = ["water", "water.outage"]


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def due(channel="phone", priority="normal", at=None, path=WATER_OUTAGE, table=(), cal=CAL):
    policies = deadlines.in_force(table)
    policy = deadlines.resolve(policies, channel, priority, path)
    return deadlines.compute(policy, at or local(2026, 11, 20, 10, 0), TZ, cal)


def test_phone_case_on_friday_is_due_wednesday_end_of_day():
    answer = due(at=local(2026, 11, 20, 10, 0))
    assert answer.due_at == local(2026, 11, 25, 23, 59, 59)
    assert answer.due_at.tzinfo == UTC
    assert answer.due_at.astimezone(TZ).isoformat() == "2026-11-25T23:59:59+08:00"


@pytest.mark.parametrize("channel", ["letter", "transfer"])
def test_written_transfers_get_seven_working_days(channel):
    assert due(channel).due_at == local(2026, 12, 1, 23, 59, 59)


def test_urgent_gets_one_working_day_whatever_the_channel():
    assert due("letter", "urgent").due_at == local(2026, 11, 23, 23, 59, 59)


def test_intake_just_before_and_after_local_midnight():
    assert due(at=local(2026, 11, 19, 23, 59)).due_at == local(2026, 11, 24, 23, 59, 59)
    assert due(at=local(2026, 11, 20, 0, 1)).due_at == local(2026, 11, 25, 23, 59, 59)


def test_across_national_day_2026_with_its_make_up_saturday():
    # chinesecalendar: holidays 1–7 October, make-up workdays Sunday 20 Sept and Saturday 10 Oct
    answer = due(at=local(2026, 9, 30, 9, 0))
    assert answer.due_at == local(2026, 10, 10, 23, 59, 59)  # 8th, 9th, and Saturday 10th


def test_emergency_on_site_in_hours_and_reply_in_one_day():
    start = local(2026, 11, 21, 3, 0)
    answer = due(priority="emergency", at=start)
    assert answer.onsite_due_at == start + timedelta(hours=2)
    assert answer.due_at == start + timedelta(days=1)
    assert start < answer.next_escalation_at < answer.onsite_due_at


def test_warning_comes_with_a_quarter_left_at_most_a_day_before():
    start = local(2026, 11, 20, 10, 0)
    answer = due(at=start)
    assert answer.next_escalation_at == answer.due_at - timedelta(hours=24)
    assert deadlines.warning_at(start, start + timedelta(hours=8)) == start + timedelta(hours=6)


def test_a_year_without_holiday_data_is_monday_to_friday_and_no_crash():
    assert due(at=local(2031, 1, 3, 10, 0)).due_at == local(2031, 1, 8, 23, 59, 59)
    assert due(at=local(2099, 12, 31, 10, 0)).due_at == local(2100, 1, 5, 23, 59, 59)
    assert due(at=datetime(9999, 12, 30, tzinfo=UTC)).due_at.year == 9999


def test_a_category_subtree_policy_beats_a_channel_only_policy():
    table = [Policy(10, Unit.CALENDAR_DAYS, category="water")]
    start = local(2026, 11, 20, 10, 0)
    assert due(table=table, at=start).due_at == start + timedelta(days=10)
    assert due(path=["gas", "gas.outage"], table=table, at=start).due_at == local(
        2026, 11, 25, 23, 59, 59
    )


def test_the_deepest_category_wins_then_the_channel():
    table = [
        Policy(10, Unit.HOURS, category="water"),
        Policy(20, Unit.HOURS, category="water.outage"),
        Policy(30, Unit.HOURS, channel="phone", category="water.outage"),
    ]
    start = local(2026, 11, 20, 10, 0)
    assert due("phone", table=table, at=start).due_at == start + timedelta(hours=30)
    assert due("web", table=table, at=start).due_at == start + timedelta(hours=20)
    assert due("web", path=["water"], table=table, at=start).due_at == start + timedelta(hours=10)


def test_the_priority_wins_over_a_category_so_an_emergency_keeps_its_onsite_clock():
    table = [Policy(5, Unit.WORKING_DAYS, category="water")]
    start = local(2026, 11, 20, 10, 0)
    assert due(priority="emergency", table=table, at=start).onsite_due_at == start + timedelta(
        hours=2
    )
    assert due(priority="urgent", table=table, at=start).due_at == local(2026, 11, 23, 23, 59, 59)


def test_hours_calendar_days_and_working_days():
    start = local(2026, 11, 20, 10, 0)  # a Friday
    for unit, amount, expected in [
        (Unit.HOURS, 36, start + timedelta(hours=36)),
        (Unit.CALENDAR_DAYS, 3, start + timedelta(days=3)),
        (Unit.WORKING_DAYS, 3, local(2026, 11, 25, 23, 59, 59)),
    ]:
        assert due(table=[Policy(amount, unit, channel="phone")], at=start).due_at == expected


def test_a_row_replaces_the_default_of_its_key_and_an_empty_table_means_the_defaults():
    assert deadlines.in_force([]) == DEFAULT_POLICIES
    mine = Policy(5, Unit.WORKING_DAYS, channel="phone")
    merged = deadlines.in_force([mine])
    assert mine in merged and len(merged) == len(DEFAULT_POLICIES)
    assert due(table=[mine]).due_at == local(2026, 11, 27, 23, 59, 59)


def test_an_override_moves_a_deadline():
    cal = chinese_calendar({date(2026, 11, 23): False})  # Monday made a holiday
    assert due(cal=cal).due_at == local(2026, 11, 26, 23, 59, 59)
    assert due(cal=WorkCalendar()).due_at == local(2026, 11, 25, 23, 59, 59)
