"""签收时限: a dispatched case must be accepted by its department in time. The sweep flags
each miss once (history, live event to the department and the dispatchers); the flag
shows on the pages until the case is accepted, returned or transferred."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Action, Case, Status
from dispatch import lifecycle


@dataclass(frozen=True)
class Missed:
    number: str
    department: str | None


def flag_missed(
    now: datetime, limit: int, recheck: Callable[[], datetime] | None = None
) -> tuple[int, list[Missed]]:
    """Flag up to `limit` dispatched cases whose acceptance deadline has passed (rows claimed
    with SKIP LOCKED on PostgreSQL; the index on accept_due_at finds only those due); the
    caller commits. A case is flagged once per dispatch: its accept_due_at is cleared.
    Returns how many rows were claimed and the cases flagged. `recheck`: the clock read
    again after the claim, which goes when earlier (as in escalation.sweep)."""
    query = (
        select(Case)
        .where(Case.accept_due_at <= now)
        .order_by(Case.accept_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    missed, claimed = [], db.session.scalars(query).all()
    if recheck is not None:
        now = min(now, recheck())
    for case in claimed:
        if case.accept_due_at > now:
            continue  # claimed, but not due by the later reading: the clock went back
        due, case.accept_due_at = case.accept_due_at, None
        if case.status != Status.DISPATCHED:
            continue
        case.accept_overdue = True
        dept = case.department.code if case.department else None
        data = {"due": due.isoformat(), "department": dept}
        lifecycle.record(case, Action.ACCEPT_OVERDUE, None, case.status, now, data)
        lifecycle.announce(case, now=now)
        missed.append(Missed(case.number, dept))
    return len(claimed), missed
