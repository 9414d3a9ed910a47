"""Case numbers like R2026112200001: prefix, the local date, a daily sequence."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Engine, bindparam, create_engine
from sqlalchemy.dialects import sqlite

from app.extensions import db
from app.models import CaseNumberCounter, direct


def allocate(prefix: str, day: date, lent: direct.Lent | None = None) -> tuple[str, int | None]:
    """Take the next number of the day (an atomic upsert of the day's counter row), and on
    PostgreSQL the new case's id as well, from the cases' id sequence in the same statement
    (None on SQLite: the case's insert assigns it), so that the case and what refers to it
    can be written together.

    On PostgreSQL the upsert is a transaction of its own, so concurrent intakes hold the
    day's counter row for that one statement, not for their whole transaction; an intake
    that then fails leaves a gap, which numbering tolerates. It runs on `lent`, a
    connection in autocommit that the intake holds outside its session, or else on a
    pool of its own: an intake whose session holds a connection of the main pool already,
    many at once waiting for a second one from the same pool, would block each other.
    Its commit does not wait for the WAL to reach the disk (the statement sets
    synchronous_commit off for its own transaction): every intake bumps the one counter
    row, so waiting for a flush while holding its lock would line all intakes up behind
    the disk. It is still safe: the intake that uses the number commits later, durably,
    and a durable commit makes every earlier WAL record durable too; a crash can only
    forget numbers that no stored case holds.
    On SQLite writers take turns anyway; the counter is bumped in the caller's transaction.
    """
    engine = db.session.get_bind()
    case_id = None
    if engine.dialect.name == "postgresql":
        own = _own_pool(engine)
        if lent is None:
            with direct.lent_connection(own.engine) as on_own_pool:
                value, case_id = own.next_value(on_own_pool, prefix, day)
        else:
            value, case_id = own.next_value(lent, prefix, day)
    else:
        bind = {"prefix": prefix, "day": day}
        value = db.session.connection().execute(_NEXT_VALUE_SQLITE, bind).scalar_one()
    return f"{prefix}{day:%Y%m%d}{value:05d}", case_id


# One autocommit statement, sent through the driver: every intake runs it, and
# SQLAlchemy's Connection (transaction bookkeeping, parameter processing, result wrapping)
# cost twice the driver's own work for it. Its first part sets synchronous_commit off
# until its transaction ends (set_config's is_local), which its commit still is in; {ids}
# is the sequence of cases.id, as the database names it (pg_get_serial_sequence),
# written in as a literal.
_NEXT_VALUE_PG = (
    "WITH asynchronous AS (SELECT set_config('synchronous_commit', 'off', true) AS off)"
    " INSERT INTO case_number_counters (prefix, day, last_value) VALUES (%s, %s, 1)"
    " ON CONFLICT (prefix, day)"
    " DO UPDATE SET last_value = case_number_counters.last_value + 1"
    " RETURNING last_value, nextval({ids}), (SELECT off FROM asynchronous)"
)
_ID_SEQUENCE = "SELECT pg_get_serial_sequence('cases', 'id')"


@dataclass
class _OwnPool:
    engine: Engine
    sql: str | None = None  # the upsert, once the sequence of cases.id is known

    def next_value(self, lent: direct.Lent, prefix: str, day: date) -> tuple[int, int]:
        """The day's next value and the next case id, taken on `lent` (in autocommit)."""
        if self.sql is None:
            # Looked up once per pool: the schema could name it otherwise than SERIAL's
            # cases_id_seq (two threads may both look it up, to the same answer).
            (name,) = lent.fetch_one(_ID_SEQUENCE, ())
            if name is None:
                raise RuntimeError("cases.id has no sequence: is the schema migrated?")
            self.sql = _NEXT_VALUE_PG.format(ids="'" + name.replace("'", "''") + "'")
        value, case_id, _asynchronous = lent.fetch_one(self.sql, (prefix, day))
        return value, case_id


def _own_pool(main: Engine) -> _OwnPool:
    """The numbering pool of the app's engine (and its statement, once looked up)."""
    engines = current_app.extensions.setdefault("hotline_numbering", {})
    own = engines.get(main)
    if own is None:
        with _creating:  # one pool per engine, however many intakes start at once
            own = engines.get(main)
            if own is None:
                own = engines[main] = _OwnPool(_new_engine(main))
    return own


_creating = threading.Lock()


def _new_engine(main: Engine) -> Engine:
    # As large as the main pool: each intake holds one connection of each, and a
    # connection beyond the pool's size is opened for one statement and closed again
    # (a new PostgreSQL backend for every intake once more threads than that register).
    size = main.pool.size() if hasattr(main.pool, "size") else 5
    return create_engine(
        main.url,
        isolation_level="AUTOCOMMIT",
        pool_size=size,
        max_overflow=current_app.config.get("DB_MAX_OVERFLOW", 10),
        pool_timeout=5,
        # autocommit on the driver too: the upsert is sent to it directly
        connect_args={"connect_timeout": 2, "autocommit": True},
    )


def dispose() -> None:
    """Close the numbering pool's connections (with the app's own engine)."""
    for own in current_app.extensions.pop("hotline_numbering", {}).values():
        own.engine.dispose()


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
