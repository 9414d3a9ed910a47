"""What the benchmarks share: a scratch database per engine, the schema and demo setup,
and stored cases generated in the database with SQL (not through the ORM)."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import text

from app import create_app
from app import demo as demo_data
from app.extensions import db
from app.sqlite import writing
from config import DevelopmentConfig

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOTLINE = str(Path(sys.executable).with_name("hotline"))
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@contextmanager
def scratch_database(dialect: str) -> Iterator[str]:
    """The URL of an empty database on `dialect`, dropped afterwards."""
    if dialect == "postgresql":
        name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
    else:
        raise SystemExit(f"unknown engine {dialect!r}: postgresql or sqlite")


def make_app(url: str) -> Flask:
    """The app on `url`, with the schema migrated and the demo departments and users."""
    from flask_migrate import upgrade

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, SCHEDULER_IN_SERVER=False)
    with app.app_context(), writing():
        upgrade()
        demo_data.seed()
        db.session.commit()
    return app


def stamp(dialect: str, moment: datetime) -> str:
    """A time as a SQL literal the way each engine stores the models' UTC times."""
    if dialect == "postgresql":
        return f"'{moment.isoformat()}'::timestamptz"
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def generate(dialect: str, first: int, last: int, open_every: int, history: bool = False) -> None:
    """Cases first..last: every `open_every`-th one open and not yet due, the rest closed;
    with `history`, each also gets its intake event. On PostgreSQL the tables are then
    vacuumed, analysed and checkpointed, as in a database that has run for a while: without
    it the measured run's backends wrote out the load's dirty buffers (about 100 a second)."""
    created = stamp(dialect, NOW - timedelta(days=400))
    future = stamp(dialect, NOW + timedelta(days=3))
    due = stamp(dialect, NOW + timedelta(days=4))
    is_open = f"(g % {open_every} = 0)"
    sql = f"""
        INSERT INTO cases (number, channel, status, priority, category_id, department_id,
            caller_phone, caller_name, description, address, district, external_ref,
            created_at, due_at, escalation_level, clock_round, clock_started_at,
            next_escalation_at, supervised, return_count, extension_reason, reply_text,
            resolution)
        SELECT 'B' || {_pad(dialect, "g", 12)}, 'phone',
            CASE WHEN {is_open} THEN 'dispatched' ELSE 'closed' END, 'normal',
            (SELECT id FROM categories WHERE code = 'water.outage'),
            (SELECT id FROM departments WHERE code = 'water'),
            '+86138' || {_pad(dialect, "g % 100000000", 8)}, '', '小区停水', '', '东城区', '',
            {created}, {due}, 0, 0, {created},
            CASE WHEN {is_open} THEN {future} ELSE NULL END,
            {_false(dialect)}, 0, '', '', ''
        FROM ({_series(dialect, first, last)}) AS numbers
    """
    with writing():
        db.session.execute(text(sql))
        if history:
            db.session.execute(
                text(f"""
                    INSERT INTO case_events (case_id, actor_id, action, from_status, to_status,
                        data, created_at)
                    SELECT id, NULL, 'register', NULL, status, '{{}}', created_at FROM cases
                    WHERE number BETWEEN 'B' || {_pad(dialect, str(first), 12)}
                        AND 'B' || {_pad(dialect, str(last), 12)}
                """)
            )
        db.session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))


def _series(dialect: str, first: int, last: int) -> str:
    if dialect == "postgresql":
        return f"SELECT g FROM generate_series({first}, {last}) AS g"
    return (
        f"WITH RECURSIVE seq(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM seq "
        f"WHERE g < {last}) SELECT g FROM seq"
    )


def _pad(dialect: str, expr: str, width: int) -> str:
    if dialect == "postgresql":
        return f"lpad(({expr})::text, {width}, '0')"
    return f"printf('%0{width}d', {expr})"


def _false(dialect: str) -> str:
    return "false" if dialect == "postgresql" else "0"
