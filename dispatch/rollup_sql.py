"""The statistics rollup in SQL: each case's contribution as set-wise SQL (for the full
rebuild and for the plain GROUP BY over the cases), folding the deltas, and reading the
rollup together with the deltas not folded yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.extensions import db
from app.models.stats import BUCKETS, COUNTERS, HISTOGRAM
from dispatch import settings
from dispatch.rollup import BUCKET_EDGES

DIMS = ("department", "category", "channel", "district")
COLUMNS = (*COUNTERS, *HISTOGRAM)
# How each dimension's (dept, key) comes from a delta row or a case's projection.
DIM_KEYS = {
    "department": ("dept", "''"),
    "category": ("dept", "CAST(category_id AS VARCHAR(20))"),
    "channel": ("0", "channel"),
    "district": ("0", "district"),
}


@dataclass
class Tally:
    """The summed counters and reply-time histogram of some cases."""

    counters: list[int] = field(default_factory=lambda: [0] * len(COUNTERS))
    histogram: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    def add(self, other: Tally) -> None:
        """Add `other`'s counts to these."""
        self.counters = [a + b for a, b in zip(self.counters, other.counters, strict=True)]
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]

    @classmethod
    def from_row(cls, values) -> Tally:
        """A tally from a row of sums: the counters, then the histogram."""
        values = [int(v or 0) for v in values]
        return cls(values[: len(COUNTERS)], values[len(COUNTERS) :])

    def get(self, name: str) -> int:
        """One counter by name (one of COUNTERS)."""
        return self.counters[COUNTERS.index(name)]


def group_list(*exprs: str) -> str:
    """A GROUP BY list without the constants (SQLite reads an integer as a column number)."""
    return ", ".join(e for e in exprs if e not in ("0", "''"))


def dialect() -> str:
    """The database engine's name: postgresql or sqlite."""
    return db.session.get_bind().dialect.name


# --- a case's contribution, set-wise ------------------------------------------------------


def fixed_offset_minutes(zone: ZoneInfo) -> int | None:
    """The zone's UTC offset when it has not changed since 2000 (Asia/Shanghai), else None."""
    offsets = {
        zone.utcoffset(datetime(year, month, 1)) for year in range(2000, 2100) for month in (1, 7)
    }
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def day_sql(engine: str) -> str:
    """SQL of the local day of `c.created_at`."""
    zone = settings.timezone()
    minutes = fixed_offset_minutes(zone)
    if engine == "postgresql":
        if minutes is None:
            return f"CAST(c.created_at AT TIME ZONE '{zone.key}' AS DATE)"
        # a fixed offset: plain arithmetic, several times cheaper than a zone lookup a row
        days = f"floor((date_part('epoch', c.created_at) + {minutes * 60}) / 86400)"
        return f"(DATE '1970-01-01' + CAST({days} AS INTEGER))"
    if minutes is None:  # a zone with daylight saving: each time converted in Python
        _register_sqlite_day(zone)
        return "hotline_local_day(c.created_at)"
    return f"date(c.created_at, '{minutes:+d} minutes')"


def _register_sqlite_day(zone: ZoneInfo) -> None:
    def local_day(value: str) -> str:
        moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return moment.astimezone(zone).date().isoformat()

    db.session.connection().connection.driver_connection.create_function(
        "hotline_local_day", 1, local_day, deterministic=True
    )


REPLIED = "(c.replied_at IS NOT NULL AND c.accepted_at IS NOT NULL)"


def _seconds_sql(engine: str) -> str:
    if engine == "postgresql":
        return (
            "CAST(floor(date_part('epoch', c.replied_at))"
            " - floor(date_part('epoch', c.created_at)) AS INTEGER)"
        )
    return (
        "(CAST(strftime('%s', c.replied_at) AS INTEGER)"
        " - CAST(strftime('%s', c.created_at) AS INTEGER))"
    )


def projection(engine: str, where: str = "") -> str:
    """SELECT of each case's grain, counters and reply seconds (NULL: not replied), one row
    a case; duplicates left out."""
    return f"""
        SELECT {day_sql(engine)} AS day, COALESCE(c.department_id, 0) AS dept,
            c.category_id AS category_id, c.channel AS channel,
            COALESCE(c.district, '') AS district,
            1 AS received,
            CASE WHEN c.status IN ('closed', 'archived') THEN 1 ELSE 0 END AS closed,
            CASE WHEN {REPLIED} THEN 1 ELSE 0 END AS replied,
            CASE WHEN {REPLIED} AND (c.due_at IS NULL OR c.replied_at <= c.due_at)
                THEN 1 ELSE 0 END AS replied_on_time,
            CASE WHEN {REPLIED} THEN {_seconds_sql(engine)} END AS secs,
            c.return_count AS returns,
            CASE WHEN c.satisfied IS NOT NULL THEN 1 ELSE 0 END AS rated,
            CASE WHEN c.satisfied IS TRUE THEN 1 ELSE 0 END AS satisfied,
            CASE WHEN c.transferred_to <> '' THEN 1 ELSE 0 END AS transferred_out
        FROM cases AS c
        WHERE c.duplicate_of_id IS NULL {where}
    """


def _bucket_sql(engine: str) -> str:
    """The bucket of `secs` (-1 when NULL)."""
    edges = [edge * 3600 for edge in BUCKET_EDGES]
    if engine == "postgresql":
        array = ", ".join(str(e) for e in edges)
        return f"COALESCE(width_bucket(secs, ARRAY[{array}]::integer[]), -1)"
    whens = " ".join(f"WHEN secs < {e} THEN {i}" for i, e in enumerate(edges))
    return f"CASE WHEN secs IS NULL THEN -1 {whens} ELSE {BUCKETS - 1} END"


def summed(source: str, engine: str) -> str:
    """The sums of the counters and the histogram over `source` (a projection)."""
    sums = [f"SUM({name}) AS {name}" for name in COUNTERS if name != "reply_seconds"]
    sums.insert(COUNTERS.index("reply_seconds"), "SUM(COALESCE(secs, 0)) AS reply_seconds")
    sums[0] = "count(*) AS received"
    hist = [f"count(*) FILTER (WHERE bucket = {i}) AS h{i}" for i in range(BUCKETS)]
    return ", ".join(sums + hist)


def with_bucket(engine: str, where: str = "") -> str:
    """The projection with each case's bucket, computed once a row."""
    fence = " OFFSET 0" if engine == "postgresql" else " LIMIT -1 OFFSET 0"
    inner = projection(engine, where) + fence
    return f"SELECT p.*, {_bucket_sql(engine)} AS bucket FROM ({inner}) AS p"


# --- folding the deltas -------------------------------------------------------------------


def _delta_select(dim: str, source: str) -> str:
    dept, key = DIM_KEYS[dim]
    dept = dept.replace("dept", "department_id")
    sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTERS)
    hist = ", ".join(
        f"SUM(CASE WHEN bucket = {i} THEN bucket_n ELSE 0 END) AS h{i}" for i in range(BUCKETS)
    )
    return (
        f"SELECT '{dim}' AS dim, day, {dept} AS dept, {key} AS key, {sums}, {hist} "
        f"FROM {source} GROUP BY {group_list('day', dept, key)}"
    )


def fold() -> int:
    """Move the committed deltas into stats_daily (one fold at a time: the table lock on
    PostgreSQL, the write lock on SQLite); the caller commits. Returns the rollup rows
    touched."""
    cols = ", ".join(COLUMNS)
    update = ", ".join(f"{c} = stats_daily.{c} + excluded.{c}" for c in COLUMNS)
    target = f"INSERT INTO stats_daily (dim, day, dept, key, {cols}) "
    conflict = f" ON CONFLICT (dim, day, dept, key) DO UPDATE SET {update}"
    if dialect() == "postgresql":
        db.session.execute(text("LOCK TABLE stats_daily IN SHARE ROW EXCLUSIVE MODE"))
        union = " UNION ALL ".join(_delta_select(dim, "moved") for dim in DIMS)
        # Only the deltas committed when the statement starts are deleted and summed: one
        # still being written is not visible yet and waits for the next fold.
        sql = (
            f"WITH moved AS (DELETE FROM stats_deltas RETURNING *) "
            f"{target} SELECT * FROM ({union}) AS u WHERE true{conflict}"
        )
        return db.session.execute(text(sql)).rowcount
    last = db.session.scalar(text("SELECT max(id) FROM stats_deltas"))
    if last is None:
        return 0
    source = f"(SELECT * FROM stats_deltas WHERE id <= {int(last)})"
    union = " UNION ALL ".join(_delta_select(dim, source) for dim in DIMS)
    sql = f"{target} SELECT * FROM ({union}) AS u WHERE true{conflict}"
    touched = db.session.execute(text(sql)).rowcount
    db.session.execute(text(f"DELETE FROM stats_deltas WHERE id <= {int(last)}"))
    return touched


# --- reading ------------------------------------------------------------------------------


def _param_day(value: date):
    return value if dialect() == "postgresql" else value.isoformat()


def read(dim: str, start: date, end: date, group: str | None, dept: int | None) -> dict:
    """Tallies from the rollup plus the unfolded deltas, in one statement: {group value:
    Tally}; group is 'dept', 'key', 'day' or None (one total under the key None)."""
    own, key = DIM_KEYS[dim]
    delta_dept = own.replace("dept", "department_id")
    hist = ", ".join(
        f"CASE WHEN bucket = {i} THEN bucket_n ELSE 0 END AS h{i}" for i in range(BUCKETS)
    )
    dept_filter, delta_filter = "", ""
    params = {"dim": dim, "start": _param_day(start), "end": _param_day(end)}
    if dept is not None:
        dept_filter, delta_filter, params["dept"] = (
            " AND dept = :dept",
            " AND department_id = :dept",
            dept,
        )
    cols = ", ".join(COLUMNS)
    rollup = (
        f"SELECT day, dept, key, {cols} FROM stats_daily "
        f"WHERE dim = :dim AND day >= :start AND day <= :end{dept_filter}"
    )
    deltas = (
        f"SELECT day, {delta_dept} AS dept, {key} AS key, {', '.join(COUNTERS)}, {hist} "
        f"FROM stats_deltas WHERE day >= :start AND day <= :end{delta_filter}"
    )
    sums = ", ".join(f"SUM({c})" for c in COLUMNS)
    grouped = f"r.{group}, " if group else ""
    sql = f"SELECT {grouped}{sums} FROM ({rollup} UNION ALL {deltas}) AS r"
    if group:
        sql += f" GROUP BY r.{group}"
    tallies = {}
    for row in db.session.execute(text(sql), params):
        if group:
            tallies[_normal(row[0])] = Tally.from_row(row[1:])
        elif row[0] is not None:
            tallies[None] = Tally.from_row(row)
    return tallies


def _normal(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of the local period start 00:00 and the day after `end` 00:00."""
    zone = settings.timezone()
    begin = datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)
    after = end + timedelta(days=1)
    return begin, datetime(after.year, after.month, after.day, tzinfo=zone).astimezone(UTC)
