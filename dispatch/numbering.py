"""Case numbers like R2026112200001: prefix, the local date, a daily sequence."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import Engine, bindparam, create_engine
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import CaseNumberCounter


def allocate(prefix: str, day: date) -> str:
    """Take the next number of the day (an atomic upsert of the day's counter row).

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
    bind = {"prefix": prefix, "day": day}
    engine = db.session.get_bind()
    if engine.dialect.name == "postgresql":
        with _own_engine(engine).connect() as connection:
            value = connection.execute(_NEXT_VALUE["postgresql"], bind).scalar_one()
    else:
        value = db.session.connection().execute(_NEXT_VALUE["sqlite"], bind).scalar_one()
    return f"{prefix}{day:%Y%m%d}{value:05d}"


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
            connect_args={"connect_timeout": 2, "options": "-c synchronous_commit=off"},
        )
    return engine


def dispose() -> None:
    """Close the numbering pool's connections (with the app's own engine)."""
    for engine in current_app.extensions.pop("hotline_numbering", {}).values():
        engine.dispose()


def _next_value(insert):
    # On the table, executed on the connection: a plain Core statement (an insert of the
    # mapped class through the session would take the ORM's bulk insert path).
    table = CaseNumberCounter.__table__
    return (
        insert(table)
        .values(prefix=bindparam("prefix"), day=bindparam("day"), last_value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "day"],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )


_NEXT_VALUE = {"postgresql": _next_value(postgresql.insert), "sqlite": _next_value(sqlite.insert)}
