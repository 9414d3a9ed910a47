"""Case numbers like R2026112200001: prefix, the local date, a daily sequence."""

from __future__ import annotations

from datetime import date

import psycopg
from flask import current_app
from sqlalchemy import Engine, bindparam, create_engine
from sqlalchemy.dialects import sqlite

from app.extensions import db
from app.models import CaseNumberCounter, direct


def allocate(prefix: str, day: date) -> tuple[str, int | None]:
    """Take the next number of the day (an atomic upsert of the day's counter row), and on
    PostgreSQL the new case's id as well, from the cases' id sequence in the same statement
    (None on SQLite: the case's insert assigns it), so that the case and what refers to it
    can be written together.

    On PostgreSQL the upsert runs on its own, in autocommit, so concurrent intakes hold
    the day's counter row for that one statement, not for their whole transaction; an
    intake that then fails leaves a gap, which numbering tolerates. It runs on a pool of
    its own: an intake already holds a connection of the main pool, and many intakes at
    once waiting for a second one from the same pool would block each other.
    That commit does not wait for the WAL to reach the disk (synchronous_commit off):
    every intake bumps the one counter row, so waiting for a flush while holding its lock
    would line all intakes up behind the disk. It is still safe: the intake that uses the
    number commits later, durably, and a durable commit makes every earlier WAL record
    durable too; a crash can only forget numbers that no stored case holds.
    On SQLite writers take turns anyway; the counter is bumped in the caller's transaction.
    """
    engine = db.session.get_bind()
    case_id = None
    if engine.dialect.name == "postgresql":
        value, case_id = _next_on_own_pool(_own_engine(engine), prefix, day)
    else:
        bind = {"prefix": prefix, "day": day}
        value = db.session.connection().execute(_NEXT_VALUE_SQLITE, bind).scalar_one()
    return f"{prefix}{day:%Y%m%d}{value:05d}", case_id


# One autocommit statement, sent through the driver: every intake runs it, and
# SQLAlchemy's Connection (transaction bookkeeping, parameter processing, result wrapping)
# cost twice the driver's own work for it.
_NEXT_VALUE_PG = (
    "INSERT INTO case_number_counters (prefix, day, last_value) VALUES (%s, %s, 1)"
    " ON CONFLICT (prefix, day)"
    " DO UPDATE SET last_value = case_number_counters.last_value + 1"
    " RETURNING last_value, nextval('cases_id_seq')"  # the SERIAL id's sequence
)


def _next_on_own_pool(engine: Engine, prefix: str, day: date) -> tuple[int, int]:
    """The upsert on a connection of the numbering pool; a driver error is raised as
    SQLAlchemy's (an outage answers 503 like any other) and a lost connection leaves the
    pool."""
    try:
        connection = engine.raw_connection()
    except psycopg.Error as exc:  # the pool's connect raises the driver's own error
        raise direct.as_sqlalchemy_error(
            exc, engine.dialect, None, _NEXT_VALUE_PG, (prefix, day)
        ) from exc
    try:
        return direct.fetch_one_on_driver(
            connection.dbapi_connection,
            engine.dialect,
            connection.invalidate,
            _NEXT_VALUE_PG,
            (prefix, day),
        )
    finally:
        connection.close()


def _own_engine(main: Engine) -> Engine:
    engines = current_app.extensions.setdefault("hotline_numbering", {})
    engine = engines.get(main)
    if engine is None:
        # As large as the main pool: each intake holds one connection of each, and a
        # connection beyond the pool's size is opened for one statement and closed again
        # (a new PostgreSQL backend for every intake once more threads than that register).
        size = main.pool.size() if hasattr(main.pool, "size") else 5
        engine = engines[main] = create_engine(
            main.url,
            isolation_level="AUTOCOMMIT",
            pool_size=size,
            max_overflow=current_app.config.get("DB_MAX_OVERFLOW", 10),
            pool_timeout=5,
            # autocommit on the driver too: the upsert is sent to it directly
            connect_args={
                "connect_timeout": 2,
                "options": "-c synchronous_commit=off",
                "autocommit": True,
            },
        )
    return engine


def dispose() -> None:
    """Close the numbering pool's connections (with the app's own engine)."""
    for engine in current_app.extensions.pop("hotline_numbering", {}).values():
        engine.dispose()


def _next_value_sqlite():
    # On the table, executed on the connection: a plain Core statement (an insert of the
    # mapped class through the session would take the ORM's bulk insert path).
    table = CaseNumberCounter.__table__
    return (
        sqlite.insert(table)
        .values(prefix=bindparam("prefix"), day=bindparam("day"), last_value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "day"],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )


_NEXT_VALUE_SQLITE = _next_value_sqlite()
