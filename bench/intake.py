"""python -m bench.intake: POST /api/v1/cases from 32 clients for 60 s over 1,000,000 stored cases.

For PostgreSQL and for SQLite, in one run:
- the intake API (phone normalisation, routing, deadline, case + history + SMS receipt in one
  transaction) served by several gunicorn worker processes, as in production: several
  writer processes on SQLite. Prints cases per second, p50/p99 latency and errors, and
  counts "database is locked" in the answers and in the servers' log;
- the baseline: a raw single-row INSERT-and-commit loop on the same `cases` table through
  the bare driver, and the ratio of the two;
- a check that every case answered with 201 is stored, under a number of its own;
- the CPU time of one intake, split between the server processes, the database's own
  processes (PostgreSQL backends) and the client, from /proc: on a shared machine the
  rates move with the load, the CPU per intake much less.

The clients are wrk's connections (Debian package wrk; bench/intake.lua sends the bodies
and collects the answers), each sending its next case when the last is answered.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import text

from app import auth
from app.extensions import db
from app.models import Category, User
from app.sqlite import writing
from bench.common import NOW, PG_ADMIN, generate, make_app, scratch_database, stamp
from tests.servers import free_port, wait_until_listening

LOCKED = "database is locked"
MOBILE_PREFIXES = ["38", "39", "50", "58", "86", "88", "77"]
CHANNELS = ["phone", "phone", "phone", "web", "visit", "letter"]
DESCRIPTIONS = [
    "小区从早上开始停水，至今没有通知何时恢复",
    "楼道里有很重的燃气味，请尽快派人查看",
    "路口井盖缺失，夜间行人容易掉落",
    "暖气不热，室温只有十四度",
    "物业乱收停车费，业主多次反映无果",
    "雨后地下通道积水严重，车辆无法通行",
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # ms, of every answer
    errors: dict[str, int] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=list)  # of the cases answered with 201
    client_cpu: float = 0.0  # seconds, of the load generator


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def case_body(rng: random.Random, categories: list[str]) -> dict:
    return {
        "channel": rng.choice(CHANNELS),
        "caller_phone": f"1{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
        "caller_name": rng.choice(["王先生", "李女士", ""]),
        "category": rng.choice(categories),
        "description": rng.choice(DESCRIPTIONS),
        "address": f"东城区和平路{rng.randrange(1, 300)}号",
        "district": rng.choice(["东城区", "西城区", "南湖区"]),
    }


BODIES_PER_CLIENT = 2_000
WRK_SCRIPT = Path(__file__).with_name("intake.lua")


def bodies_for(client_index: int, categories: list[str]) -> list[bytes]:
    rng = random.Random(client_index)
    return [
        json.dumps(case_body(rng, categories), ensure_ascii=False).encode()
        for _ in range(BODIES_PER_CLIENT)
    ]


def drive(
    bases: list[str],
    token: str,
    categories: list[str],
    clients: int,
    seconds: float,
    cpu: Callable[[], tuple[float, ...]],
) -> tuple[Tally, Tally, float, tuple[float, ...]]:
    """`clients` connections spread over the servers as a load balancer would (client i
    to server i mod N), each sending its next case when the last is answered: a 3-second
    warm-up, then the timed round. The load generator is wrk (C, one thread per server;
    about a third of the CPU per request of a Python client on the same CPUs as the
    servers); `cpu()` is read when the timed round starts and ends."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench.intake drives the API with wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        plan = []  # (server, connections, bodies file)
        for s, base in enumerate(bases):
            mine = [i for i in range(clients) if i % len(bases) == s]
            if not mine:
                continue
            path = Path(tmp, f"bodies{s}.json")
            path.write_bytes(b"".join(b + b"\n" for i in mine for b in bodies_for(i, categories)))
            plan.append((base, len(mine), path))
        warm_up = wrk_round(plan, token, 3, Path(tmp, "warm-up"))
        started, cpu_before = time.monotonic(), cpu()
        tally = wrk_round(plan, token, seconds, Path(tmp, "timed"))
        elapsed, cpu_after = time.monotonic() - started, cpu()
    used = tuple(after - before for before, after in zip(cpu_before, cpu_after, strict=True))
    return warm_up, tally, elapsed, used


def wrk_round(plan: list[tuple[str, int, Path]], token: str, seconds: float, out: Path) -> Tally:
    """One wrk process per server for `seconds`; their results (bench/intake.lua) summed."""
    runs = []
    for n, (base, connections, bodies) in enumerate(plan):
        results = out.with_name(f"{out.name}.{n}")
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "30s"]
        command += ["-s", str(WRK_SCRIPT), base, "--", str(bodies), token]
        env = {**os.environ, "WRK_RESULTS": str(results)}
        runs.append((subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL), results))
    tally = Tally()
    for process, results in runs:
        _pid, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            raise SystemExit(f"wrk failed (status {status})")
        tally.client_cpu += usage.ru_utime + usage.ru_stime
        for line in results.read_text(encoding="utf-8").splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "number":
                tally.numbers.append(rest)
            elif kind == "error":
                count, _, what = rest.partition(" ")
                tally.errors[what] = tally.errors.get(what, 0) + int(count)
            elif kind == "latency":
                micros, count = rest.split()
                tally.latencies += [int(micros) / 1000] * int(count)
            elif kind == "socket":
                for what, count in zip(SOCKET_ERRORS, rest.split(), strict=True):
                    if int(count):
                        tally.errors[what] = tally.errors.get(what, 0) + int(count)
    return tally


SPREAD = (0.1, 0.5, 0.9, 0.95, 0.99, 0.999)  # the latency percentiles printed

SOCKET_ERRORS = ("connect error", "read error", "write error", "timeout")


def serve(
    url: str, servers: int, threads: int, log_path: str
) -> tuple[list[subprocess.Popen], list[str]]:
    """`servers` gunicorn processes (one worker, `threads` threads each), as in production."""
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_ENV": "development",
        "HOTLINE_SCHEDULER_IN_SERVER": "0",
        "HOTLINE_REDIS_URL": "",
    }
    processes, ports = [], []
    with open(log_path, "a") as log:
        for _ in range(servers):
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", str(threads)]
            command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "app.wsgi:app"]
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
            ports.append(port)
    for port in ports:
        wait_until_listening(port, 60)
    return processes, [f"http://127.0.0.1:{port}" for port in ports]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes and their children (from /proc)."""
    ticks, seen, todo = 0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                todo += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[float, float, float]:
    """The machine's idle, stolen and total CPU time so far (seconds, from /proc/stat): how
    much of the two CPUs a round left unused, and how much the host took."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    steal = fields[7] if len(fields) > 7 else 0
    return fields[3] / tick, steal / tick, sum(fields[:8]) / tick


def reference_loop_ms() -> float:
    """How long this machine takes just now for a fixed piece of pure Python (best of
    five): the machine's speed of the moment, for comparing runs made hours apart."""
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        table: dict[int, int] = {}
        for i in range(200_000):
            table[i % 1000] = table.get(i % 1000, 0) + i
        best = min(best, time.perf_counter() - started)
    return best * 1000


def database_pids(url: str, dialect: str) -> list[int]:
    """The PostgreSQL backends serving this database (SQLite runs inside the servers)."""
    if dialect != "postgresql":
        return []
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        return [pid for (pid,) in rows]


def raw_insert_loop(url: str, dialect: str, seconds: float) -> list[float]:
    """Single-row INSERT and COMMIT on `cases` through the bare driver, one connection."""
    created = stamp(dialect, NOW)
    sql = (
        "INSERT INTO cases (number, channel, status, priority, category_id, department_id,"
        " caller_phone, caller_name, description, address, district, external_ref,"
        " created_at, escalation_level, clock_round, supervised, return_count,"
        " extension_reason, reply_text, resolution)"
        " VALUES ({p}, 'phone', 'dispatched', 'normal', {p}, {p}, {p}, '', {p}, '', '', '',"
        f" {created}, 0, 0, {'false' if dialect == 'postgresql' else '0'}, 0, '', '', '')"
    )
    with db.engine.connect() as conn:
        category, department = conn.execute(
            text("SELECT id, default_department_id FROM categories WHERE code = 'water.outage'")
        ).one()
    if dialect == "postgresql":
        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        sql = sql.format(p="%s")
    else:
        # The same settings the application uses (app/sqlite.py): WAL, synchronous=NORMAL.
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 30000")
        sql = sql.format(p="?")
    samples, n, until = [], 0, time.monotonic() + seconds
    try:
        while time.monotonic() < until:
            n += 1
            started = time.perf_counter()
            if dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, (f"X{n:012d}", category, department, "+8613800000000", "停水"))
            conn.commit()  # sqlite3 commits the BEGIN IMMEDIATE above too
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return samples


def run(url: str, dialect: str, args: argparse.Namespace) -> None:
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        generate(dialect, 1, args.stored, open_every=5, history=True)
        print(f"{dialect}: {args.stored:,} stored cases generated in ", end="")
        print(f"{time.perf_counter() - started:.0f} s")
        with writing():
            operator = db.session.scalar(db.select(User).filter_by(username="operator1"))
            token = auth.issue_token(operator)
            db.session.commit()
        categories = [
            c.code for c in db.session.scalars(db.select(Category)) if c.default_department_id
        ]
        stored_before = db.session.scalar(text("SELECT count(*) FROM cases"))
        db.session.remove()

        with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log:
            log_path = log.name
        speed = reference_loop_ms()
        processes, bases = serve(url, args.servers, args.threads, log_path)
        try:
            warm_up, tally, elapsed, cpu = drive(
                bases,
                token,
                categories,
                args.clients,
                args.seconds,
                lambda: (
                    cpu_seconds([p.pid for p in processes]),
                    cpu_seconds(database_pids(url, dialect)),
                    *machine_ticks(),
                ),
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
        with open(log_path, encoding="utf-8", errors="replace") as log:
            locked_in_log = log.read().count(LOCKED)
        os.unlink(log_path)

        stored_after = db.session.scalar(text("SELECT count(*) FROM cases"))
        acknowledged = set(warm_up.numbers) | set(tally.numbers)
        found = set(
            db.session.scalars(
                text("SELECT number FROM cases WHERE id > :last"), {"last": stored_before}
            )
        )
        db.session.remove()

        rate = len(tally.numbers) / elapsed
        p50, p99 = statistics.median(tally.latencies), percentile(tally.latencies, 0.99)
        errors = sum(tally.errors.values())
        print(
            f"  intake API, {args.clients} clients, {args.servers} server processes x "
            f"{args.threads} threads, {elapsed:.0f} s: {rate:,.0f} cases/s, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {errors} errors {tally.errors or ''}"
        )
        spread = " ".join(f"p{100 * q:g} {percentile(tally.latencies, q):.1f}" for q in SPREAD)
        print(f"  latency (ms): {spread}")
        print(f"  '{LOCKED}': {tally.errors.get(LOCKED, 0)} answers, {locked_in_log} log lines")
        servers_cpu, database_cpu, idle, steal, total = cpu
        per_case = [
            f"{1000 * seconds / max(len(tally.numbers), 1):.2f}"
            for seconds in (servers_cpu, database_cpu, tally.client_cpu)
        ]
        print(
            f"  CPU per intake: servers {per_case[0]} ms, database {per_case[1]} ms, "
            f"client {per_case[2]} ms (load average {os.getloadavg()[0]:.1f})"
        )
        print(
            f"  machine: {100 * idle / total:.0f}% of the CPUs idle, {100 * steal / total:.1f}%"
            f" stolen by the host; reference loop {speed:.0f} ms before the round"
        )
        print(
            f"  stored: {len(acknowledged):,} acknowledged with 201 (warm-up included), "
            f"{len(acknowledged & found):,} of them found, "
            f"{stored_after - stored_before - len(acknowledged):,} stored without an answer"
            f" (in flight when wrk stopped: at most {2 * args.clients}, one a connection a round)"
        )

        raw = raw_insert_loop(url, dialect, args.raw_seconds)
        raw_rate = len(raw) / args.raw_seconds
        print(
            f"  baseline, raw single-row INSERT+COMMIT loop: {raw_rate:,.0f} rows/s, "
            f"p50 {statistics.median(raw):.2f} ms, p99 {percentile(raw, 0.99):.2f} ms"
        )
        print(f"  intake API / raw insert: {rate / raw_rate:.2f}x the rows per second")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--raw-seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=3, help="threads per server process")
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--quick", action="store_true", help="10,000 stored, 10 s")
    args = parser.parse_args()
    if args.quick:
        args.stored, args.seconds, args.raw_seconds = 10_000, 10, 3
    for dialect in args.engines.split(","):
        with scratch_database(dialect) as url:
            run(url, dialect, args)


if __name__ == "__main__":
    main()
