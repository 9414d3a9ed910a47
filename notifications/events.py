"""Live events: names, rooms, and publish() that emits only after the transaction commits.

Emitting is off the write path: a committed event goes on this process's emit queue and
one background thread sends it (in commit order) to the clients or, with several
processes, to Redis. A slow or absent Redis therefore never holds up a request, a sweep
or an intake; clients that missed pushes catch up from the changes feed.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import socketio

log = logging.getLogger(__name__)

NAMESPACE = "/live"
CASE_CREATED = "case.created"
CASE_UPDATED = "case.updated"
CASE_ESCALATED = "case.escalated"
CALL_INCOMING = "call.incoming"
CALL_UPDATED = "call.updated"
SMS_RECEIVED = "sms.received"

_PENDING = "hotline_pending_events"


def role_room(role: str) -> str:
    return f"role:{role}"


def department_room(department_id: int) -> str:
    return f"department:{department_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass
class LiveEvent:
    name: str
    payload: dict[str, Any]
    rooms: list[str] = field(default_factory=list)


def publish(session: Session, name: str, payload: dict[str, Any], rooms: list[str]) -> None:
    """Queue an event on the session; it is emitted after commit and dropped on rollback."""
    session.info.setdefault(_PENDING, []).append(LiveEvent(name, payload, rooms))


def _emit(live: LiveEvent) -> None:
    try:
        for room in dict.fromkeys(live.rooms):
            socketio.emit(live.name, live.payload, to=room, namespace=NAMESPACE)
    except Exception:  # a push must never undo or fail a committed change
        log.exception("could not emit %s", live.name)


class _EmitQueue:
    """One emitter thread per process (started lazily, and again in a forked child)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[LiveEvent] = queue.Queue()
        self._lock = threading.Lock()
        self._owner_pid: int | None = None

    def put(self, live: LiveEvent) -> None:
        self._ensure_thread()
        self._queue.put(live)

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event has been sent (or timeout); True if all were."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= end:
                return False
            time.sleep(0.01)
        return True

    def _ensure_thread(self) -> None:
        if self._owner_pid == os.getpid():
            return
        with self._lock:
            if self._owner_pid != os.getpid():
                self._queue = queue.Queue()  # a forked child starts with an empty queue
                thread = threading.Thread(target=self._run, name="live-emitter", daemon=True)
                thread.start()
                self._owner_pid = os.getpid()

    def _run(self) -> None:
        pending = self._queue
        while True:
            live = pending.get()
            try:
                _emit(live)
            finally:
                pending.task_done()


_emit_queue = _EmitQueue()


def flush(timeout: float = 5.0) -> bool:
    """Send what this process has queued before it exits (CLI commands, tests)."""
    return _emit_queue.flush(timeout)


atexit.register(flush)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for live in session.info.pop(_PENDING, []):
        _emit_queue.put(live)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
