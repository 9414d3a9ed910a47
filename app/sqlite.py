"""SQLite as a serious embedded store: WAL, a busy timeout, and writes that begin IMMEDIATE.

SQLite serves one writer at a time. A transaction that reads first and writes later
(BEGIN DEFERRED) can fail at once with "database is locked" when another writer got in
between, whatever the busy timeout; so every transaction that may write starts with
BEGIN IMMEDIATE and waits its turn for the write lock instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000

_write_intent: ContextVar[bool] = ContextVar("hotline_write_intent", default=False)


def set_write_intent(value: bool) -> None:
    """Mark the transactions begun from now on, in this context, as writers (or not)."""
    _write_intent.set(value)


@contextmanager
def writing() -> Iterator[None]:
    """Begin the transactions inside this block as writers."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure(engine: Engine) -> None:
    """Install WAL, the busy timeout and the BEGIN choice on a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself, not pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
