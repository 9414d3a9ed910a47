"""Deadlines: defaults by channel and priority, in working days on the holiday calendar."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch import deadlines

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def test_phone_case_on_friday_is_due_wednesday_end_of_day():
    due = deadlines.compute("phone", "normal", False, local(2026, 11, 20, 10, 0), TZ)
    assert due.due_at == local(2026, 11, 25, 23, 59, 59)
    assert due.due_at.tzinfo == UTC
    assert due.due_at.astimezone(TZ).isoformat() == "2026-11-25T23:59:59+08:00"


@pytest.mark.parametrize("channel", ["letter", "transfer"])
def test_written_transfers_get_seven_working_days(channel):
    due = deadlines.compute(channel, "normal", False, local(2026, 11, 20, 10, 0), TZ)
    assert due.due_at == local(2026, 12, 1, 23, 59, 59)


def test_intake_just_before_and_after_local_midnight():
    before = deadlines.compute("phone", "normal", False, local(2026, 11, 19, 23, 59), TZ)
    after = deadlines.compute("phone", "normal", False, local(2026, 11, 20, 0, 1), TZ)
    assert before.due_at == local(2026, 11, 24, 23, 59, 59)
    assert after.due_at == local(2026, 11, 25, 23, 59, 59)


def test_across_national_day():
    due = deadlines.compute("phone", "normal", False, local(2026, 9, 30, 9, 0), TZ)
    assert due.due_at == local(2026, 10, 10, 23, 59, 59)  # 8th, 9th, and make-up Saturday 10th


def test_emergency_on_site_in_hours_and_reply_in_one_day():
    start = local(2026, 11, 21, 3, 0)
    due = deadlines.compute("phone", "normal", True, start, TZ)
    assert due.onsite_due_at == start + timedelta(hours=2)
    assert due.due_at == start + timedelta(days=1)
    assert start < due.next_escalation_at < due.onsite_due_at


def test_warning_comes_with_a_quarter_left_at_most_a_day_before():
    start = local(2026, 11, 20, 10, 0)
    due = deadlines.compute("phone", "normal", False, start, TZ)
    assert due.next_escalation_at == due.due_at - timedelta(hours=24)
    short = deadlines.warning_at(start, start + timedelta(hours=8))
    assert short == start + timedelta(hours=6)


def test_a_year_without_holiday_data_is_no_crash():
    due = deadlines.compute("phone", "normal", False, local(2031, 1, 3, 10, 0), TZ)
    assert due.due_at == local(2031, 1, 8, 23, 59, 59)
