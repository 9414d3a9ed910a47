"""Figures counted from the cases table itself: the plain GROUP BY (the rollup's check and
the benchmark's baseline), a department's own figures by channel or district, the overdue
open cases (they depend on `now`), and the hotspots."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, literal, select, text

from app.extensions import db
from app.models import Case, Status
from dispatch.rollup_sql import Tally, day_sql, dialect, local_bounds, summed, with_bucket

WAITING_FOR_REPLY = (Status.REGISTERED.value, Status.DISPATCHED.value, Status.ACCEPTED.value)
GROUP_SQL = {
    "department": "dept",
    "category": "CAST(category_id AS VARCHAR(20))",
    "channel": "channel",
    "district": "district",
    "day": "day",
    "month": "day",
}


def _stamp(moment: datetime):
    if dialect() == "postgresql":
        return moment
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite stores the models' times


def tallies(start: date, end: date, group: str | None, dept: int | None = None) -> dict:
    """{group value: Tally} by a plain GROUP BY over the cases registered in the period
    (`group` one of GROUPINGS or None; month values are folded from days by the caller)."""
    begin, after = local_bounds(start, end)
    where = " AND c.created_at >= :begin AND c.created_at < :after"
    params = {"begin": _stamp(begin), "after": _stamp(after)}
    if dept is not None:
        where += " AND c.department_id = :dept"
        params["dept"] = dept
    engine = dialect()
    column = GROUP_SQL[group] if group else None
    head = f"{column}, " if column else ""
    sql = f"SELECT {head}{summed('b', engine)} FROM ({with_bucket(engine, where)}) AS b"
    if column:
        sql += f" GROUP BY {column}"
    found = {}
    for row in db.session.execute(text(sql), params):
        if column:
            value = row[0].isoformat() if isinstance(row[0], date) else row[0]
            found[value] = Tally.from_row(row[1:])
        elif row[0] is not None:
            found[None] = Tally.from_row(row)
    return found


OVERDUE_GROUP = {
    "department": "COALESCE(c.department_id, 0)",
    "category": "CAST(c.category_id AS VARCHAR(20))",
    "channel": "c.channel",
    "district": "COALESCE(c.district, '')",
}


def overdue_open(
    start: date, end: date, *, now: datetime, group: str | None, dept: int | None = None
) -> Counter:
    """Counts of the period's cases still waiting for their reply past the deadline at `now`,
    counted in SQL through the (status, due_at) index: as many rows as such cases."""
    begin, after = local_bounds(start, end)
    waiting = ", ".join(f"'{status}'" for status in WAITING_FOR_REPLY)
    column = OVERDUE_GROUP.get(group) or (day_sql(dialect()) if group else None)
    sql = (
        f"SELECT {column + ', ' if column else ''}count(*) FROM cases AS c "
        f"WHERE c.status IN ({waiting}) AND c.due_at < :now AND c.created_at >= :begin "
        "AND c.created_at < :after AND c.duplicate_of_id IS NULL"
    )
    params = {"now": _stamp(now), "begin": _stamp(begin), "after": _stamp(after)}
    if dept is not None:
        sql += " AND c.department_id = :dept"
        params["dept"] = dept
    if column:
        sql += f" GROUP BY {column}"
    counts: Counter = Counter()
    for row in db.session.execute(text(sql), params):
        if not column:
            counts[None] += row[0]
            continue
        key = row[0].isoformat() if isinstance(row[0], date) else row[0]
        counts[key[:7] if group == "month" else key] += row[1]
    return counts


def top(column, start: date, end: date, limit: int, *, extra=(), minimum: int = 1) -> list:
    """(value..., count) of the period's registered cases (duplicates included: they are the
    repeats) grouped by `column` (and `extra`), most first."""
    begin, after = local_bounds(start, end)
    count = func.count().label("n")
    query = (
        select(column, *extra, count)
        .where(Case.created_at >= begin, Case.created_at < after, column != literal(""))
        .group_by(column, *extra)
        .having(func.count() >= minimum)
        .order_by(count.desc(), column)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]
