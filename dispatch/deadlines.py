"""Deadline policies: from channel, priority and category to due_at, onsite_due_at and
the first escalation time. Defaults follow the hotline's rules: 3 working days for matters
taken by phone, visit, web and SMS, 7 for letters and transfers; emergencies on site within
hours and replied within one calendar day."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import Channel, Priority
from dispatch.workcalendar import WorkCalendar, chinese_calendar

log = logging.getLogger(__name__)

WORKING_DAYS = {
    Channel.PHONE: 3,
    Channel.VISIT: 3,
    Channel.WEB: 3,
    Channel.SMS: 3,
    Channel.LETTER: 7,
    Channel.TRANSFER: 7,
}
URGENT_WORKING_DAYS = 1
EMERGENCY_REPLY = timedelta(days=1)
EMERGENCY_ONSITE = timedelta(hours=2)
WARNING_SHARE = 0.25
WARNING_CAP = timedelta(hours=24)
END_OF_DAY = time(23, 59, 59)

_calendar: WorkCalendar | None = None


def calendar() -> WorkCalendar:
    """The working-day calendar in force (built once per process)."""
    global _calendar
    if _calendar is None:
        _calendar = chinese_calendar()
    return _calendar


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    onsite_due_at: datetime | None
    next_escalation_at: datetime


def end_of_working_day(start: datetime, days: int, tz: ZoneInfo, cal: WorkCalendar) -> datetime:
    """23:59:59 local time of the `days`-th working day after `start`'s local date, in UTC."""
    local_day = start.astimezone(tz).date()
    due_day = cal.add_working_days(local_day, days)
    if not cal.covers(due_day.year):
        log.warning("no holiday data for %s: counted Monday to Friday", due_day.year)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=tz).astimezone(start.tzinfo)


def warning_at(start: datetime, due: datetime) -> datetime:
    """Level 1 comes when a quarter of the allowed time is left, at most 24 hours before."""
    return due - min((due - start) * WARNING_SHARE, WARNING_CAP)


def escalation_deadline(due_at: datetime, onsite_due_at: datetime | None) -> datetime:
    """The deadline that escalation watches: on site for emergencies, else the reply."""
    return onsite_due_at if onsite_due_at is not None else due_at


def next_escalation(level: int, start: datetime, deadline: datetime) -> tuple[int, datetime] | None:
    """The next level after `level` and when it comes: 1 warning (临期) before the deadline,
    2 overdue (超期) at it, 3 seriously overdue (严重超期) when late by the whole allowed time
    again; None after level 3."""
    if level == 0:
        return 1, warning_at(start, deadline)
    if level == 1:
        return 2, deadline
    if level == 2:
        return 3, deadline + max(deadline - start, timedelta(0))
    return None


def compute(
    channel: str, priority: str, emergency_category: bool, start: datetime, tz: ZoneInfo
) -> Deadlines:
    """The deadlines of a case registered at `start`."""
    if priority == Priority.EMERGENCY or emergency_category:
        due = start + EMERGENCY_REPLY
        onsite = start + EMERGENCY_ONSITE
        return Deadlines(due, onsite, warning_at(start, onsite))
    days = URGENT_WORKING_DAYS if priority == Priority.URGENT else WORKING_DAYS[Channel(channel)]
    due = end_of_working_day(start, days, tz, calendar())
    return Deadlines(due, None, warning_at(start, due))
