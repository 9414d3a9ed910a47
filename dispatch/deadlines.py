"""Deadline policies (办理时限): from channel, priority and category to due_at,
onsite_due_at and the first escalation time. Pure: the policies and the calendar are
passed in (dispatch/reference.py caches the ones in force).

Built-in defaults follow the hotline's rules: 3 working days for matters taken by phone,
visit, web and SMS, 7 for letters and transfers, 1 working day when urgent; emergencies on
site within 2 hours and replied within one calendar day. The administrator's table lies
over them: a row replaces the default with the same key, so an empty table means the
defaults.

Precedence, when several policies match a case (an empty field matches anything; a
category matches its whole subtree): the policy that names the priority wins; then the one
naming the deepest category of the case's path; then the one naming the channel. Priority
comes first so that an emergency never loses its on-site deadline to a category rule."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.models import Priority
from dispatch.workcalendar import WorkCalendar

log = logging.getLogger(__name__)

WARNING_SHARE = 0.25
WARNING_CAP = timedelta(hours=24)
END_OF_DAY = time(23, 59, 59)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class Unit(StrEnum):
    WORKING_DAYS = "working_days"  # 工作日: ends 23:59:59 local on the N-th working day after
    CALENDAR_DAYS = "calendar_days"  # 自然日: N times 24 hours from the intake
    HOURS = "hours"  # 小时


@dataclass(frozen=True)
class Policy:
    """One deadline policy; None in channel, priority or category matches anything."""

    reply_amount: int
    reply_unit: Unit
    channel: str | None = None
    priority: str | None = None
    category: str | None = None  # a category code; matches its subtree
    onsite_hours: int | None = None
    # 签收时限: minutes from dispatch to acceptance; None: by the end of the next working day.
    accept_minutes: int | None = None

    @property
    def key(self) -> tuple[str | None, str | None, str | None]:
        return self.channel, self.priority, self.category


DEFAULT_POLICIES: tuple[Policy, ...] = (
    *(Policy(3, Unit.WORKING_DAYS, channel=c) for c in ("phone", "visit", "web", "sms")),
    *(Policy(7, Unit.WORKING_DAYS, channel=c) for c in ("letter", "transfer")),
    Policy(1, Unit.WORKING_DAYS, priority=Priority.URGENT.value),
    Policy(
        1, Unit.CALENDAR_DAYS, priority=Priority.EMERGENCY.value, onsite_hours=2, accept_minutes=30
    ),
)
LAST_RESORT = Policy(3, Unit.WORKING_DAYS)


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    onsite_due_at: datetime | None
    next_escalation_at: datetime


def in_force(table: Iterable[Policy]) -> tuple[Policy, ...]:
    """The built-in defaults with the administrator's rows over them (same key replaces)."""
    merged = {policy.key: policy for policy in DEFAULT_POLICIES}
    merged.update((policy.key, policy) for policy in table)
    return tuple(merged.values())


def resolve(
    policies: Iterable[Policy], channel: str, priority: str, category_path: Sequence[str]
) -> Policy:
    """The policy for a case; `category_path` is its category's codes, root first."""
    best, best_rank = LAST_RESORT, None
    for policy in policies:
        rank = _rank(policy, channel, priority, category_path)
        if rank is not None and (best_rank is None or rank > best_rank):
            best, best_rank = policy, rank
    return best


def _rank(policy: Policy, channel: str, priority: str, path: Sequence[str]):
    if policy.channel not in (None, channel) or policy.priority not in (None, priority):
        return None
    depth = 0
    if policy.category is not None:
        if policy.category not in path:
            return None
        depth = path.index(policy.category) + 1
    return (policy.priority is not None, depth, policy.channel is not None)


def compute(policy: Policy, start: datetime, tz: ZoneInfo, cal: WorkCalendar) -> Deadlines:
    """The deadlines of a case registered at `start` under `policy`."""
    due = reply_due(policy, start, tz, cal)
    onsite = None
    if policy.onsite_hours is not None:
        onsite = start + timedelta(hours=policy.onsite_hours)
    return Deadlines(due, onsite, warning_at(start, onsite or due))


def reply_due(policy: Policy, start: datetime, tz: ZoneInfo, cal: WorkCalendar) -> datetime:
    try:
        if policy.reply_unit == Unit.WORKING_DAYS:
            return end_of_working_day(start, policy.reply_amount, tz, cal)
        if policy.reply_unit == Unit.CALENDAR_DAYS:
            return start + timedelta(days=policy.reply_amount)
        return start + timedelta(hours=policy.reply_amount)
    except OverflowError:  # past year 9999: no deadline a person will live to see
        return LATEST


def acceptance_due(policy: Policy, start: datetime, tz: ZoneInfo, cal: WorkCalendar) -> datetime:
    """When a case dispatched at `start` must be accepted (签收): within the policy's minutes,
    else by 23:59:59 local time of the next working day."""
    if policy.accept_minutes is not None:
        return start + timedelta(minutes=policy.accept_minutes)
    try:
        return end_of_working_day(start, 1, tz, cal)
    except OverflowError:
        return LATEST


def after_pause(
    policy: Policy,
    deadline: datetime,
    paused: datetime,
    resumed: datetime,
    tz: ZoneInfo,
    cal: WorkCalendar,
) -> datetime:
    """`deadline` moved later by the time the clock was paused, counted as the deadline is:
    a working-day deadline moves by the paused working time (holidays and weekends in the
    pause do not count, and are skipped again when moving), others by the paused hours."""
    if resumed <= paused:
        return deadline
    try:
        if policy.reply_unit != Unit.WORKING_DAYS:
            return deadline + (resumed - paused)
        return add_working_time(deadline, working_time(paused, resumed, tz, cal), tz, cal)
    except OverflowError:
        return LATEST


def working_time(start: datetime, end: datetime, tz: ZoneInfo, cal: WorkCalendar) -> timedelta:
    """How much of [start, end) falls on working days (whole local days count)."""
    total, moment = timedelta(0), start.astimezone(tz)
    end = end.astimezone(tz)
    while moment < end:
        midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=tz)
        stop = min(midnight, end)
        if cal.is_workday(moment.date()):
            total += stop - moment
        moment = stop
    return total


def add_working_time(
    start: datetime, amount: timedelta, tz: ZoneInfo, cal: WorkCalendar
) -> datetime:
    """The moment `amount` of working time after `start` (non-working days skipped)."""
    moment, left = start.astimezone(tz), amount
    while True:
        midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=tz)
        if cal.is_workday(moment.date()):
            if moment + left <= midnight:
                return (moment + left).astimezone(start.tzinfo)
            left -= midnight - moment
        moment = midnight


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
