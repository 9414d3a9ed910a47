"""python -m bench.stats: the dashboard's figures at 10,000,000 stored cases.

Generates the cases in the database with SQL (five years, every department, category,
district and channel, most closed), rebuilds the statistics rollup (timed), and prints, on
PostgreSQL and on SQLite, the p50 and p99 over repeated runs of the dashboard's queries
through `dispatch.stats.report` (a year by department, a month by category, a day by
district, a year's totals) beside the plain GROUP BY over the cases for the same query in
the same run, and checks that both give the same counts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from app.extensions import db
from app.sqlite import writing
from bench.common import make_app, scratch_database
from dispatch import jobs, stats, stats_live

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
START = datetime(2021, 11, 23, 0, 0, tzinfo=UTC)
SPAN = int((NOW - START).total_seconds())
DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区"]
DISTRICTS += ["通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区"]
CHUNK = 1_000_000

QUERIES = {  # name: (grouping, the period of run i)
    "a year by department": ("department", lambda i: _back(365 + i, 365)),
    "a month by category": ("category", lambda i: _month(i)),
    "a day by district": ("district", lambda i: _back(1 + i, 1)),
    "a year's totals": (None, lambda i: _back(365 + i, 365)),
}


def _back(days_ago: int, length: int) -> tuple[date, date]:
    end = NOW.date() - timedelta(days=days_ago - length + 1)
    return end - timedelta(days=length - 1), end


def _month(i: int) -> tuple[date, date]:
    year, month = 2026, 10 - (i % 48)
    while month < 1:
        year, month = year - 1, month + 12
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    return first, after - timedelta(days=1)


def _hash(k: int) -> str:
    return f"((g * {2654435761 + 2 * k}) % 1000003)"


def _time(dialect: str, seconds: str) -> str:
    if dialect == "postgresql":
        return f"(TIMESTAMPTZ '{START.isoformat()}' + make_interval(secs => {seconds}))"
    base = START.strftime("%Y-%m-%d %H:%M:%S")
    return f"(datetime('{base}', '+' || ({seconds}) || ' seconds') || '.000000')"


def _series(dialect: str, first: int, last: int) -> str:
    if dialect == "postgresql":
        return f"SELECT g FROM generate_series({first}, {last}) AS g"
    return (
        f"WITH RECURSIVE seq(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM seq "
        f"WHERE g < {last}) SELECT g FROM seq"
    )


def reference_tables() -> None:
    db.session.execute(
        text("CREATE TABLE bench_categories (idx INTEGER, id INTEGER, dept INTEGER)")
    )
    db.session.execute(text("CREATE TABLE bench_districts (idx INTEGER, name VARCHAR(50))"))
    rows = db.session.execute(
        text(
            "SELECT id, default_department_id FROM categories WHERE default_department_id "
            "IS NOT NULL ORDER BY id"
        )
    ).all()
    for idx, (cat, dept) in enumerate(rows):
        db.session.execute(
            text("INSERT INTO bench_categories VALUES (:i, :c, :d)"),
            {"i": idx, "c": cat, "d": dept},
        )
    for idx, name in enumerate(DISTRICTS):
        db.session.execute(
            text("INSERT INTO bench_districts VALUES (:i, :n)"), {"i": idx, "n": name}
        )
    db.session.commit()
    return len(rows)


def generate(dialect: str, first: int, last: int, total: int, categories: int) -> None:
    """Cases first..last of `total`, spread evenly over five years up to NOW; still open: 40%
    of the last week's, 3% of the rest of the last month's, 0.1% of the older ones."""
    t = f"((CAST(g AS BIGINT) * {SPAN}) / {total})"  # integer seconds from START, to NOW
    share = (
        f"CASE WHEN {t} > {SPAN - 7 * 86400} THEN 400 WHEN {t} > {SPAN - 30 * 86400} THEN 30"
        " ELSE 1 END"
    )
    is_open = f"({_hash(4)} % 1000 < {share})"
    stage = f"({_hash(6)} % 3)"  # open: 0 dispatched, 1 accepted, 2 replied
    delay = f"(3600 * (1 + {_hash(5)} % 110))"
    accepted = f"(NOT {is_open} OR {stage} >= 1)"
    replied = f"(NOT {is_open} OR {stage} = 2)"
    status = (
        f"CASE WHEN {is_open} THEN (CASE {stage} WHEN 0 THEN 'dispatched' WHEN 1 THEN 'accepted'"
        f" ELSE 'replied' END) WHEN {_hash(7)} % 5 = 0 THEN 'archived' ELSE 'closed' END"
    )
    channel = (
        f"CASE WHEN {_hash(3)} % 100 < 60 THEN 'phone' WHEN {_hash(3)} % 100 < 72 THEN 'web'"
        f" WHEN {_hash(3)} % 100 < 80 THEN 'sms' WHEN {_hash(3)} % 100 < 88 THEN 'visit'"
        f" WHEN {_hash(3)} % 100 < 95 THEN 'letter' ELSE 'transfer' END"
    )
    pad = (
        f"lpad(CAST({_hash(9)} * 97 AS TEXT), 8, '0')"
        if dialect == "postgresql"
        else f"printf('%08d', {_hash(9)} * 97)"
    )
    number = "lpad(CAST(g AS TEXT), 12, '0')" if dialect == "postgresql" else "printf('%012d', g)"
    true, false = ("true", "false") if dialect == "postgresql" else ("1", "0")
    sql = f"""
        INSERT INTO cases (number, channel, status, priority, category_id, department_id,
            caller_phone, caller_name, description, address, district, external_ref,
            created_at, due_at, dispatched_at, accepted_at, replied_at, closed_at,
            escalation_level, clock_round, clock_started_at, supervised, return_count,
            extension_reason, reply_text, resolution, satisfied, accept_overdue)
        SELECT 'S' || {number}, {channel}, {status}, 'normal', bc.id, bc.dept,
            '+86138' || {pad}, '', '市民反映', '幸福路' || ({_hash(10)} % 500) || '号',
            bd.name, '',
            {_time(dialect, t)}, {_time(dialect, f"{t} + 316800")}, {_time(dialect, t)},
            CASE WHEN {accepted} THEN {_time(dialect, f"{t} + 1800")} END,
            CASE WHEN {replied} THEN {_time(dialect, f"{t} + {delay}")} END,
            CASE WHEN NOT {is_open} THEN {_time(dialect, f"{t} + {delay} + 86400")} END,
            0, 0, {_time(dialect, t)}, {false}, CASE WHEN {_hash(8)} % 40 = 0 THEN 1 ELSE 0 END,
            '', '', '',
            CASE WHEN {is_open} THEN NULL WHEN {_hash(11)} % 10 < 9 THEN {true} ELSE {false} END,
            {false}
        FROM ({_series(dialect, first, last)}) AS s
        JOIN bench_categories AS bc ON bc.idx = {_hash(1)} % {categories}
        JOIN bench_districts AS bd ON bd.idx = {_hash(2)} % {len(DISTRICTS)}
    """
    with writing():
        db.session.execute(text(sql))
        db.session.commit()


def timed(fn, runs: int) -> list[float]:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.99 + 0.5) - 1)]


def compare(by: str | None, period) -> None:
    """The rollup's counts equal the plain GROUP BY's for this query."""
    start, end = period
    served = stats.report(start, end, now=NOW, by=by)
    plain = stats_live.tallies(start, end, by)
    total = sum(t.get("received") for t in plain.values())
    assert served.totals.received == total, (by, served.totals.received, total)
    assert served.totals.replied == sum(t.get("replied") for t in plain.values())


def run(dialect: str, args) -> None:
    app = make_app(args.url)
    with app.app_context():
        print(f"{dialect}:", flush=True)
        categories = reference_tables()
        started = time.perf_counter()
        for first in range(1, args.cases + 1, CHUNK):
            generate(dialect, first, min(first + CHUNK - 1, args.cases), args.cases, categories)
        db.session.execute(text("ANALYZE"))  # SQLite too: its planner's statistics
        db.session.commit()
        print(f"  generated {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        rows = jobs.rebuild_statistics()
        rebuilt = time.perf_counter() - started
        print(f"  full rebuild of the rollup: {rebuilt:.1f} s ({rows:,} rollup rows)", flush=True)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        for name, (by, period) in QUERIES.items():
            compare(by, period(0))
            served = timed(lambda i, p=period, b=by: stats.report(*p(i), now=NOW, by=b), args.runs)
            plain = timed(lambda i, p=period, b=by: stats_live.tallies(*p(i), b), args.plain_runs)
            print(
                f"  {name}: rollup p50 {statistics.median(served):.1f} ms, "
                f"p99 {p99(served):.1f} ms ({args.runs} runs); plain GROUP BY p50 "
                f"{statistics.median(plain):.0f} ms ({args.plain_runs} runs)",
                flush=True,
            )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--plain-runs", type=int, default=3)
    args = parser.parse_args()
    for dialect in args.engines.split(","):
        with scratch_database(dialect) as url:
            args.url = url
            run(dialect, args)


if __name__ == "__main__":
    main()
