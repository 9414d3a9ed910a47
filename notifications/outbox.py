"""The SMS outbox: queue() writes message rows in the caller's transaction (sending is a
separate worker's job), at most once per idempotency key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class Message:
    key: str
    to_phone: str
    body: str
    template: str
    now: datetime
    case_id: int | None = None


def queue(
    key: str, to_phone: str, body: str, *, template: str, now: datetime, case_id: int | None = None
) -> bool:
    """Add a message unless one with this key exists; True when added."""
    row = _row(Message(key, to_phone, body, template, now, case_id))
    collected = _collected.get()
    if collected is not None:
        collected.append(row)
        return True
    stmt = _QUEUE_ONE[db.session.get_bind().dialect.name]
    return db.session.connection().execute(stmt, row).first() is not None


_collected: ContextVar[list[dict] | None] = ContextVar("hotline_outbox_collected", default=None)


@contextmanager
def collecting() -> Iterator[list[dict]]:
    """Within it, queue() gathers the rows in the list given instead of writing them, for the
    caller to write in a statement of its own (a new case's messages go in with the case).
    Their keys must be new: they hold the new case's id."""
    rows: list[dict] = []
    token = _collected.set(rows)
    try:
        yield rows
    finally:
        _collected.reset(token)


def queue_many(messages: list[Message]) -> None:
    """Add the messages whose keys are new, in one executemany (no per-row round trips)."""
    if not messages:
        return
    table = OutboxMessage.__table__
    stmt = _insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    db.session.connection().execute(stmt, [_row(m) for m in messages])


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _queue_one(insert):
    table = OutboxMessage.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )


# Built once: every intake queues its receipt; the values come as parameters.
_QUEUE_ONE = {"postgresql": _queue_one(postgresql.insert), "sqlite": _queue_one(sqlite.insert)}


def _row(m: Message) -> dict:
    return {
        "idempotency_key": m.key,
        "case_id": m.case_id,
        "template": m.template,
        "to_phone": m.to_phone,
        "body": m.body,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": m.now,
        "error": "",
        "created_at": m.now,
    }


def listing(status: str | None, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages, of one status when given (for the administrators' page)."""
    query = (
        select(OutboxMessage)
        .options(joinedload(OutboxMessage.case))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def counts() -> dict[str, int]:
    """How many messages are in each status."""
    from sqlalchemy import func

    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return dict(db.session.execute(query).all())
