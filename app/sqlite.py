"""SQLite as a serious embedded store: WAL, a busy timeout, and writes that begin IMMEDIATE.

SQLite serves one writer at a time. A transaction that reads first and writes later
(BEGIN DEFERRED) can fail at once with "database is locked" when another writer got in
between, whatever the busy timeout; so every transaction that may write starts with
BEGIN IMMEDIATE and waits its turn for the write lock instead.

Who is a writer: code inside `writing()` (jobs, CLI commands), and a request whose method
may write (not GET, HEAD or OPTIONS) until its commit. A request writes in one
transaction; what it does after the commit (reading to render its answer) begins DEFERRED
and does not hold the write lock. Code that must write again in the same request wraps
that write in `writing()`.

Writers take turns deliberately. SQLite's own wait for the write lock is a sleep-and-retry
loop (sleeps grow to 100 ms) that lets a newcomer overtake writers that have waited long,
which shows as a long tail of slow requests when several processes write at once. So
before BEGIN IMMEDIATE a writer first takes its turn (`WriteTurn`): one thread per
process queues on a lock in the process, and that thread waits on an exclusive `flock`
of `<database>.writelock`, which the kernel hands over the moment it is released. The
turn ends when the connection goes back to the pool after COMMIT or ROLLBACK.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

BUSY_TIMEOUT_MS = 30_000
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_write_intent: ContextVar[bool] = ContextVar("hotline_write_intent", default=False)
_request_writes: ContextVar[bool] = ContextVar("hotline_request_writes", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Begin the transactions inside this block as writers."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def init_app(app: Flask) -> None:
    """A request that may write (not GET, HEAD or OPTIONS) begins its transactions as a
    writer, for that request only: the intent never outlives it in a reused thread."""

    @app.before_request
    def _declare_write_intent() -> None:
        g.write_intent_token = _request_writes.set(request.method not in SAFE_METHODS)

    @app.teardown_request
    def _end_write_intent(_error: BaseException | None) -> None:
        token = g.pop("write_intent_token", None)
        if token is not None:
            _request_writes.reset(token)


@event.listens_for(Session, "after_commit")
def _request_write_done(_session: Session) -> None:
    if _request_writes.get():
        _request_writes.set(False)


class WriteTurn:
    """Writers' turns on one database file, across threads and processes."""

    def __init__(self, database: str) -> None:
        self.path = database + ".writelock"
        self._in_process = threading.Lock()
        self._file: int | None = None
        self._owner_pid: int | None = None

    def take(self) -> None:
        """Wait for this writer's turn; raise "database is locked" after the busy timeout."""
        if not self._in_process.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked (no write turn in time)")
        try:
            fcntl.flock(self._lock_file(), fcntl.LOCK_EX)
        except BaseException:
            self._in_process.release()
            raise

    def give_back(self) -> None:
        fcntl.flock(self._lock_file(), fcntl.LOCK_UN)
        self._in_process.release()

    def _lock_file(self) -> int:
        # Locks belong to an open file: a forked child opens its own.
        if self._owner_pid != os.getpid():
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._owner_pid = os.getpid()
        return self._file


_HOLDS_TURN = "hotline_holds_write_turn"


def configure(engine: Engine) -> None:
    """Install WAL, the busy timeout, writers' turns and the BEGIN choice on a SQLite engine."""
    database = engine.url.database
    turn = WriteTurn(database) if database not in (None, "", ":memory:") else None

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
        writer = _write_intent.get() or _request_writes.get()
        if writer and turn is not None and not connection.info.get(_HOLDS_TURN):
            turn.take()
            connection.info[_HOLDS_TURN] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
        except BaseException:
            _end_turn(connection.info)
            raise

    def _end_turn(info: dict | None) -> None:
        if info is not None and info.pop(_HOLDS_TURN, False):
            turn.give_back()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        _end_turn(record.info if record is not None else None)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection, record):
        _end_turn(record.info if record is not None else None)
