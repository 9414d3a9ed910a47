"""The full rebuild of the statistics rollup from the cases, set-wise: on PostgreSQL one
scan of the cases into grouping sets, on SQLite the projection materialized once and
grouped by each dimension; and the time zone the rollup's days were cut in (the rollup
state), which a rebuild records and a change of HOTLINE_TIMEZONE calls for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, text

from app.extensions import db
from app.models import RollupState, utcnow
from app.models.base import UTCDateTime
from app.models.stats import BUCKETS, COUNTERS
from dispatch import settings
from dispatch.rollup import BUCKET_EDGES
from dispatch.rollup_sql import (
    COLUMNS,
    DIM_KEYS,
    DIMS,
    dialect,
    fixed_offset_minutes,
    group_list,
    summed,
    with_bucket,
)


def rebuild() -> int:
    """Recompute stats_daily from the cases, set-wise, and drop the deltas it covers, in a
    transaction of its own (the caller commits). Returns the rollup's row count.

    On PostgreSQL the transaction is REPEATABLE READ: the cases read and the deltas deleted
    are of one snapshot, so a change committed meanwhile keeps its delta and counts once.
    """
    engine = dialect()
    if db.session().in_transaction():  # a snapshot of its own: what came before is committed
        db.session.commit()
    if engine == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        db.session.execute(text("LOCK TABLE stats_daily IN SHARE ROW EXCLUSIVE MODE"))
    # DELETE, not TRUNCATE: readers go on seeing the old rollup until the commit
    db.session.execute(text("DELETE FROM stats_daily"))
    db.session.execute(text("DELETE FROM stats_deltas"))  # uncommitted ones stay: not seen yet
    if engine == "postgresql":
        db.session.execute(text(_rebuild_postgresql()))
    else:
        db.session.execute(text(_rebuild_sqlite()))
    _record_zone(utcnow())
    return db.session.scalar(text("SELECT count(*) FROM stats_daily"))


def zone_change() -> tuple[str, str] | None:
    """(the zone the rollup was cut in, this process's HOTLINE_TIMEZONE) when they differ;
    else None. A rollup without a recorded zone (kept before the record existed, or new)
    is taken to be in this process's zone, which is recorded (the caller commits)."""
    zone = settings.timezone().key
    recorded = db.session.get(RollupState, 1)
    if recorded is None:
        _record_zone(None)
        return None
    if recorded.time_zone != zone:
        return recorded.time_zone, zone
    return None


def _record_zone(rebuilt_at: datetime | None) -> None:
    """The rollup is in this process's zone now (upserted: two recorders never collide)."""
    db.session.execute(_RECORD_ZONE, {"zone": settings.timezone().key, "at": rebuilt_at})


_RECORD_ZONE = text(
    "INSERT INTO stats_rollup_state (id, time_zone, rebuilt_at) VALUES (1, :zone, :at) "
    "ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone, "
    "rebuilt_at = COALESCE(excluded.rebuilt_at, stats_rollup_state.rebuilt_at)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def _day_number_postgresql() -> str:
    """Days since 1970-01-01 of the local day of c.created_at (grouped as an integer, turned
    into a date only for the few thousand groups)."""
    zone = settings.timezone()
    minutes = fixed_offset_minutes(zone)
    if minutes is None:
        return f"(CAST(c.created_at AT TIME ZONE '{zone.key}' AS DATE) - DATE '1970-01-01')"
    return f"CAST(floor((date_part('epoch', c.created_at) + {minutes * 60}) / 86400) AS INTEGER)"


def _rebuild_postgresql() -> str:
    """One scan of the cases feeding the four dimensions' groups at once (grouping sets);
    each row's values are computed once (the OFFSET 0 fences keep the planner from copying
    the expressions into every aggregate)."""
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))  # the groups' hash tables
    edges = ", ".join(str(edge * 3600) for edge in BUCKET_EDGES)
    cases = f"""
        SELECT {_day_number_postgresql()} AS dn, COALESCE(c.department_id, 0) AS dept,
            c.category_id, c.channel, COALESCE(c.district, '') AS district,
            CASE WHEN c.status IN ('closed', 'archived') THEN 1 ELSE 0 END AS closed,
            (c.replied_at IS NOT NULL AND c.accepted_at IS NOT NULL) AS replied,
            (c.due_at IS NULL OR c.replied_at <= c.due_at) AS on_time,
            CAST(floor(date_part('epoch', c.replied_at))
                 - floor(date_part('epoch', c.created_at)) AS INTEGER) AS seconds,
            c.return_count AS returns,
            CASE WHEN c.satisfied IS NOT NULL THEN 1 ELSE 0 END AS rated,
            CASE WHEN c.satisfied IS TRUE THEN 1 ELSE 0 END AS satisfied,
            CASE WHEN c.transferred_to <> '' THEN 1 ELSE 0 END AS transferred_out
        FROM cases AS c WHERE c.duplicate_of_id IS NULL OFFSET 0"""
    bucketed = (
        "SELECT p.*, CASE WHEN replied THEN seconds END AS secs, CASE WHEN replied THEN "
        f"width_bucket(seconds, ARRAY[{edges}]) ELSE -1 END AS bucket FROM ({cases}) AS p OFFSET 0"
    )
    sums = {
        "received": "count(*)",
        "closed": "sum(closed)",
        "replied": "count(*) FILTER (WHERE replied)",
        "replied_on_time": "count(*) FILTER (WHERE replied AND on_time)",
        "reply_seconds": "COALESCE(sum(secs), 0)",
        "returns": "sum(returns)",
        "rated": "sum(rated)",
        "satisfied": "sum(satisfied)",
        "transferred_out": "sum(transferred_out)",
    }
    assert set(sums) == set(COUNTERS)
    aggregates = [sums[name] for name in COUNTERS]
    aggregates += [f"count(*) FILTER (WHERE bucket = {i})" for i in range(BUCKETS)]
    dims = (
        "CASE WHEN GROUPING(category_id) = 0 THEN 'category' WHEN GROUPING(dept) = 0 "
        "THEN 'department' WHEN GROUPING(channel) = 0 THEN 'channel' ELSE 'district' END"
    )
    key = "COALESCE(CAST(category_id AS VARCHAR(20)), channel, district, '')"
    sets = "(dn, dept), (dn, dept, category_id), (dn, channel), (dn, district)"
    return (
        f"INSERT INTO stats_daily (dim, day, dept, key, {', '.join(COLUMNS)}) "
        f"SELECT {dims}, DATE '1970-01-01' + dn, COALESCE(dept, 0), {key}, "
        f"{', '.join(aggregates)} FROM ({bucketed}) AS b GROUP BY GROUPING SETS ({sets})"
    )


def _rebuild_sqlite() -> str:
    """The projection materialized once, then grouped by each dimension."""
    engine = "sqlite"
    cols = ", ".join(COLUMNS)
    parts = []
    for dim in DIMS:
        dept, key = DIM_KEYS[dim]
        parts.append(
            f"SELECT '{dim}' AS dim, day, {dept} AS dept, {key} AS key, {summed('b', engine)} "
            f"FROM b GROUP BY {group_list('day', dept, key)}"
        )
    return (
        f"INSERT INTO stats_daily (dim, day, dept, key, {cols}) "
        f"WITH b AS MATERIALIZED ({with_bucket(engine)}) " + " UNION ALL ".join(parts)
    )
