"""The deadline reference data in force in this process: the working-day calendar (the
library's schedule with the administrator's overrides) and the deadline policies.

Built once and cached per application and process, so intake reads no table for them.
Every change bumps a version row (reference_versions) in its own transaction; a process
compares the versions at most every REFERENCE_CHECK_SECONDS (one primary-key read) and
rebuilds what changed. The process that made a change looks again at once."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import CalendarOverride, Case, Category, DeadlinePolicy, Priority
from app.models.reference import ReferenceVersion
from dispatch import catalog, deadlines, settings
from dispatch.deadlines import Deadlines, Policy, Unit
from dispatch.workcalendar import WorkCalendar, chinese_calendar

CALENDAR = "calendar"
POLICIES = "deadline_policies"


@dataclass(frozen=True)
class Snapshot:
    versions: dict[str, int]
    calendar: WorkCalendar
    policies: tuple[Policy, ...]  # the defaults with the table over them


class _Cache:
    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.checked_at = -math.inf
        self.lock = threading.Lock()


def _cache() -> _Cache:
    cache = current_app.extensions.get("hotline_reference")
    if cache is None:
        cache = current_app.extensions.setdefault("hotline_reference", _Cache())
    return cache


def current(clock: Callable[[], float] = time.monotonic) -> Snapshot:
    """The calendar and policies in force, re-read when another process changed them."""
    cache, now = _cache(), clock()
    interval = current_app.config.get("REFERENCE_CHECK_SECONDS", 5)
    if cache.snapshot is not None and now - cache.checked_at < interval:
        return cache.snapshot
    # Read before the lock: on SQLite the first statement of a writer waits for the write
    # turn, which a thread waiting for this lock may hold. Read first: the data loaded
    # after it is at least as new.
    versions = _versions()
    with cache.lock:
        if cache.snapshot is None or cache.snapshot.versions != versions:
            cache.snapshot = Snapshot(versions, _load_calendar(), _load_policies())
        cache.checked_at = now
        return cache.snapshot


def deadlines_for(case: Case, now: datetime) -> Deadlines:
    """The deadlines of `case` (with its channel, priority and category) registered at `now`."""
    snapshot = current()
    policy = _policy_of(case, snapshot)
    return deadlines.compute(policy, now, settings.timezone(), snapshot.calendar)


def acceptance_due_for(case: Case, now: datetime) -> datetime:
    """When `case`, dispatched at `now`, must be accepted by its department (签收时限)."""
    snapshot = current()
    policy = _policy_of(case, snapshot)
    return deadlines.acceptance_due(policy, now, settings.timezone(), snapshot.calendar)


def deadline_after_pause(case: Case, paused: datetime, resumed: datetime) -> datetime:
    """The reply deadline of `case` with the pause [paused, resumed) left out."""
    snapshot = current()
    policy = _policy_of(case, snapshot)
    return deadlines.after_pause(
        policy, case.due_at, paused, resumed, settings.timezone(), snapshot.calendar
    )


def _policy_of(case: Case, snapshot: Snapshot) -> Policy:
    priority = Priority.EMERGENCY if case.category.is_emergency else case.priority
    path = catalog.path_codes(case.category)
    return deadlines.resolve(snapshot.policies, case.channel, priority, path)


def bump(name: str, now: datetime) -> None:
    """Record that `name` (CALENDAR or POLICIES) changed, in the caller's transaction."""
    stmt = (
        update(ReferenceVersion)
        .where(ReferenceVersion.name == name)
        .values(version=ReferenceVersion.version + 1, changed_at=now)
    )
    if db.session.execute(stmt).rowcount == 0:
        db.session.add(ReferenceVersion(name=name, version=1, changed_at=now))
        db.session.flush()
    _cache().checked_at = -math.inf


def _versions() -> dict[str, int]:
    rows = db.session.execute(select(ReferenceVersion.name, ReferenceVersion.version))
    return {name: version for name, version in rows}


def _load_calendar() -> WorkCalendar:
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_workday))
    return chinese_calendar({day: is_workday for day, is_workday in rows})


def _load_policies() -> tuple[Policy, ...]:
    rows = db.session.execute(
        select(DeadlinePolicy, Category.code).outerjoin(
            Category, DeadlinePolicy.category_id == Category.id
        )
    )
    return deadlines.in_force(to_policy(row, code) for row, code in rows)


def to_policy(row: DeadlinePolicy, category_code: str | None) -> Policy:
    return Policy(
        reply_amount=row.reply_amount,
        reply_unit=Unit(row.reply_unit),
        channel=row.channel,
        priority=row.priority,
        category=category_code,
        onsite_hours=row.onsite_hours,
        accept_minutes=row.accept_minutes,
    )
