"""python -m bench.escalation: the escalation sweep at 5,000,000 stored cases (1,000,000 open).

Prints, on PostgreSQL and on SQLite, each beside its baseline from the same run:
- the steady-state sweep (nothing newly due) against the same query forced to scan;
- the steady-state sweep at 100,000 and at 5,000,000 stored cases;
- a backlog drain of 300,000 cases falling due at once, with one and with two sweepers,
  and the double escalations counted from the history table.
Cases are generated in the database with SQL, not through the ORM.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from datetime import timedelta

from sqlalchemy import text

from app.extensions import db
from app.sqlite import writing
from bench.common import HOTLINE, NOW, generate, make_app, scratch_database, stamp
from dispatch import escalation, jobs


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def steady_sweep() -> None:
    with writing():
        batch = escalation.sweep(NOW)
        db.session.rollback()
    assert batch.claimed == 0, "nothing should be due in the steady state"


def forced_scan(dialect: str) -> None:
    """The sweep's query without its index: every open case is looked at."""
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL enable_indexscan = off"))
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
        sql = (
            "SELECT id FROM cases WHERE next_escalation_at <= :now "
            "ORDER BY next_escalation_at LIMIT 200"
        )
        db.session.execute(text(sql), {"now": NOW}).all()
    else:
        sql = (
            "SELECT id FROM cases NOT INDEXED WHERE next_escalation_at <= :now "
            "ORDER BY next_escalation_at LIMIT 200"
        )
        db.session.execute(text(sql), {"now": NOW.strftime("%Y-%m-%d %H:%M:%S.%f")}).all()
    db.session.rollback()


def report_steady(label: str, dialect: str, stored: int) -> float:
    sweep = timed(steady_sweep, 50)
    scan = timed(lambda: forced_scan(dialect), 5)
    p50, p99 = statistics.median(sweep), sorted(sweep)[int(len(sweep) * 0.99) - 1]
    base = statistics.median(scan)
    print(
        f"  {label}: steady sweep at {stored:,} stored: median {p50:.2f} ms, p99 {p99:.2f} ms;"
        f" forced scan median {base:.1f} ms; {base / p50:.0f}x faster"
    )
    return p50


def fall_due(dialect: str, count: int) -> None:
    """`count` open cases fall due at once (their warning time has come)."""
    past = stamp(dialect, NOW - timedelta(seconds=1))
    with writing():
        db.session.execute(text("DELETE FROM outbox_messages"))
        db.session.execute(text("DELETE FROM supervision_notices"))
        db.session.execute(text("DELETE FROM case_escalations"))
        db.session.execute(text("DELETE FROM case_events WHERE action = 'escalate'"))
        db.session.execute(
            text(
                f"UPDATE cases SET escalation_level = 0, next_escalation_at = {past} WHERE id IN "
                f"(SELECT id FROM cases WHERE status = 'dispatched' ORDER BY id LIMIT {count})"
            )
        )
        db.session.commit()


def doubles(dialect: str) -> tuple[int, int]:
    level = "data->>'level'" if dialect == "postgresql" else "json_extract(data, '$.level')"
    total = db.session.scalar(text("SELECT count(*) FROM case_events WHERE action = 'escalate'"))
    twice = db.session.scalar(
        text(
            f"SELECT count(*) FROM (SELECT case_id, {level} AS lvl FROM case_events "
            f"WHERE action = 'escalate' GROUP BY case_id, {level} HAVING count(*) > 1) AS d"
        )
    )
    db.session.rollback()
    return total, twice


def drain(url: str, dialect: str, count: int, sweepers: int) -> None:
    fall_due(dialect, count)
    start = time.perf_counter()
    if sweepers == 1:
        jobs.escalate_due_cases(NOW)
    else:
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_ENV": "development"}
        procs = [
            subprocess.Popen(
                [HOTLINE, "sweep", "--now", NOW.isoformat()], env=env, stdout=subprocess.DEVNULL
            )
            for _ in range(sweepers)
        ]
        for proc in procs:
            proc.wait()
    seconds = time.perf_counter() - start
    total, twice = doubles(dialect)
    print(
        f"  backlog of {count:,} with {sweepers} sweeper(s): {seconds:.1f} s "
        f"({total / seconds:,.0f} escalations/s), {total:,} escalated, {twice} double"
    )


def run(url: str, dialect: str, args) -> None:
    app = make_app(url)
    with app.app_context():
        print(f"{dialect}:")
        started = time.perf_counter()
        generate(dialect, 1, args.small, args.open_every)
        small = report_steady("small", dialect, args.small)
        generate(dialect, args.small + 1, args.stored, args.open_every)
        print(f"  generated {args.stored:,} cases in {time.perf_counter() - started:.0f} s")
        large = report_steady("large", dialect, args.stored)
        print(f"  large / small: {large / small:.2f}x")
        for sweepers in (1, 2):
            drain(url, dialect, args.backlog, sweepers)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=5_000_000)
    parser.add_argument("--open-every", type=int, default=5, help="1 in N stored cases is open")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--backlog", type=int, default=300_000)
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--quick", action="store_true", help="a hundredth of the sizes")
    args = parser.parse_args()
    if args.quick:
        args.stored, args.small, args.backlog = 50_000, 10_000, 3_000
    for dialect in args.engines.split(","):
        with scratch_database(dialect) as url:
            run(url, dialect, args)


if __name__ == "__main__":
    main()
