"""The statistics rollup, kept exact as cases change: each flush that changes a counted
field of a case appends delta rows (the case's old contribution subtracted, its new one
added) in the same transaction; a scheduler job folds the deltas into `stats_daily`; a read
adds the deltas not folded yet, in the same statement, so answers stay exact. Registration
writes its rows directly, not through a flush, and appends its case's delta itself
(`deltas_for_new`).

Insert-only deltas mean that concurrent intakes never wait on one hot rollup row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from flask import has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.models import Case, StatsDelta, Status
from app.models.stats import BUCKETS, COUNTERS
from dispatch import settings

# Upper edges of the reply-time buckets, in hours; the last bucket is open (2,160 h and more).
BUCKET_EDGES = (1, 2, 4, 8, 12, 24, 36, 48, 60, 72, 96, 120, 144, 168, 216, 264, 336, 504, 720)
BUCKET_EDGES += (1440, 2160)
assert len(BUCKET_EDGES) == BUCKETS - 1

CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
# Case fields that a contribution reads; a change to any of them may change the figures.
COUNTED = (
    "created_at",
    "department_id",
    "category_id",
    "channel",
    "district",
    "status",
    "replied_at",
    "accepted_at",
    "due_at",
    "return_count",
    "satisfied",
    "duplicate_of_id",
    "transferred_to",
)
RELATIONS = {
    "department": "department_id",
    "category": "category_id",
    "duplicate_of": "duplicate_of_id",
}


def bucket_of(seconds: int) -> int:
    """The histogram bucket of a reply `seconds` after registration."""
    for index, edge in enumerate(BUCKET_EDGES):
        if seconds < edge * 3600:
            return index
    return BUCKETS - 1


def reply_seconds(created_at: datetime, replied_at: datetime) -> int:
    """Whole seconds from registration to reply (each time truncated to its second)."""
    return math.floor(replied_at.timestamp()) - math.floor(created_at.timestamp())


@dataclass(frozen=True)
class Contribution:
    """What one case adds to the figures of its grain (local day, department, category,
    channel, district)."""

    grain: tuple[date, int, int, str, str]
    counters: tuple[int, ...]  # in the order of COUNTERS
    bucket: int  # -1: not replied


def contribution(values: dict) -> Contribution | None:
    """The case's contribution from its counted fields; None for a duplicate (counted once,
    through its original case)."""
    if values["duplicate_of_id"] is not None:
        return None
    created = values["created_at"]
    day = created.astimezone(settings.timezone()).date()
    grain = (day, values["department_id"] or 0, values["category_id"], values["channel"])
    replied_at, due = values["replied_at"], values["due_at"]
    replied = replied_at is not None and values["accepted_at"] is not None  # a department's
    on_time = replied and (due is None or replied_at <= due)
    seconds = reply_seconds(created, replied_at) if replied else 0
    satisfied = values["satisfied"]
    counters = (
        1,
        int(values["status"] in CLOSED),
        int(replied),
        int(on_time),
        seconds,
        values["return_count"] or 0,
        int(satisfied is not None),
        int(satisfied is True),
        int(bool(values["transferred_to"])),
    )
    return Contribution(
        (*grain, values["district"] or ""), counters, bucket_of(seconds) if replied else -1
    )


def delta_rows(old: Contribution | None, new: Contribution | None) -> list[dict]:
    """The delta rows that move the figures from `old` to `new` (none when equal)."""
    if old == new:
        return []
    if old is not None and new is not None and old.grain == new.grain and old.bucket == new.bucket:
        diff = tuple(n - o for n, o in zip(new.counters, old.counters, strict=True))
        return [_row(new.grain, diff, new.bucket, 0)]
    rows = []
    if old is not None:
        rows.append(_row(old.grain, tuple(-c for c in old.counters), old.bucket, -1))
    if new is not None:
        rows.append(_row(new.grain, new.counters, new.bucket, 1))
    return rows


def _row(grain: tuple, counters: tuple, bucket: int, bucket_n: int) -> dict:
    day, dept, category, channel, district = grain
    row = {"day": day, "department_id": dept, "category_id": category, "channel": channel}
    row["district"] = district
    row.update(zip(COUNTERS, counters, strict=True))
    row["bucket"], row["bucket_n"] = bucket, (bucket_n if bucket >= 0 else 0)
    return row


def deltas_for_new(row: dict) -> list[dict]:
    """The delta rows of a new case written directly (not through a flush, which the
    listener below watches), for its writer to insert with it: `row` holds its columns."""
    return delta_rows(None, contribution(row))


# --- catching every change: a before_flush listener on every session ---------------------


@event.listens_for(Session, "before_flush")
def _append_deltas(session: Session, _context, _instances) -> None:
    if not has_app_context():
        return
    new = [obj for obj in session.new if isinstance(obj, Case)]
    changed = [obj for obj in session.dirty if isinstance(obj, Case) and _touched(obj)]
    gone = [obj for obj in session.deleted if isinstance(obj, Case)]
    if not (new or changed or gone):
        return
    stored = _stored(session, [case.id for case in changed + gone])
    rows: list[dict] = []
    for case in new:
        rows += delta_rows(None, contribution(_current(case)))
    for case in changed:
        rows += delta_rows(_old(stored, case), contribution(_current(case)))
    for case in gone:
        rows += delta_rows(_old(stored, case), None)
    if rows:
        session.connection().execute(_INSERT_DELTAS, rows)


_INSERT_DELTAS = StatsDelta.__table__.insert()


def _touched(case: Case) -> bool:
    attrs = inspect(case).attrs
    return any(attrs[name].history.has_changes() for name in (*COUNTED, *RELATIONS))


def _current(case: Case) -> dict:
    """The counted fields as they will be flushed (a relationship set but not yet flushed
    wins over its foreign key column)."""
    attrs = inspect(case).attrs
    values = {name: getattr(case, name) for name in COUNTED}
    for relation, column in RELATIONS.items():
        history = attrs[relation].history
        if history.added or history.deleted:
            target = history.added[0] if history.added else None
            values[column] = target.id if target is not None else None
    return values


def _stored(session: Session, ids: list[int]) -> dict[int, dict]:
    """The counted fields as the database holds them before this flush."""
    if not ids:
        return {}
    table = Case.__table__
    query = select(table.c.id, *(table.c[name] for name in COUNTED)).where(table.c.id.in_(ids))
    rows = session.connection().execute(query).mappings()
    return {row["id"]: {name: row[name] for name in COUNTED} for row in rows}


def _old(stored: dict[int, dict], case: Case) -> Contribution | None:
    values = stored.get(case.id)
    return contribution(values) if values is not None else None
