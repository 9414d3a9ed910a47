"""The full rebuild of the statistics rollup from the cases, set-wise: on PostgreSQL one
scan of the cases into grouping sets, on SQLite the projection materialized once and
grouped by each dimension."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db
from dispatch.rollup_sql import COLUMNS, DIM_KEYS, DIMS, dialect, group_list, summed, with_bucket


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
    return db.session.scalar(text("SELECT count(*) FROM stats_daily"))


def _rebuild_postgresql() -> str:
    """One scan of the cases feeding the four dimensions' groups at once (grouping sets)."""
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))  # the groups' hash tables
    dims = (
        "CASE WHEN GROUPING(category_id) = 0 THEN 'category' WHEN GROUPING(dept) = 0 "
        "THEN 'department' WHEN GROUPING(channel) = 0 THEN 'channel' ELSE 'district' END"
    )
    key = "COALESCE(CAST(category_id AS VARCHAR(20)), channel, district, '')"
    sets = "(day, dept), (day, dept, category_id), (day, channel), (day, district)"
    return (
        f"INSERT INTO stats_daily (dim, day, dept, key, {', '.join(COLUMNS)}) "
        f"SELECT {dims}, day, COALESCE(dept, 0), {key}, {summed('b', 'postgresql')} "
        f"FROM ({with_bucket('postgresql')}) AS b GROUP BY GROUPING SETS ({sets})"
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
