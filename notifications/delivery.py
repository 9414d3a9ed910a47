"""The outbox worker: claim pending messages, mark them as being sent, send, record.

Nothing is lost (a failure is retried with backoff, up to a limit) and nothing goes out
twice: a row is marked "sending" and committed before the send, and a row left "sending"
by a worker that died, or by a send whose answer never came, is looked up at the provider
before it is ever sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from notifications.gateway import Rejected, SmsGateway, Unknown

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
STALE_SENDING = timedelta(minutes=2)
UNKNOWN = "unknown:"


@dataclass
class Round:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim(now: datetime, limit: int) -> list[int]:
    """Take due messages for this worker (SKIP LOCKED on PostgreSQL); the caller commits."""
    stale = now - STALE_SENDING
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at <= stale),
            )
        )
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = db.session.scalars(query).all()
    for row in rows:
        row.attempts += 1
        if row.status == OutboxStatus.SENDING and not row.error.startswith(
            UNKNOWN
        ):  # its worker died before recording the answer
            row.error = f"{UNKNOWN} the sending worker stopped before recording the answer"
        row.status, row.claimed_at = OutboxStatus.SENDING, now
    return [row.id for row in rows]


def deliver(
    message_id: int, gateway: SmsGateway, now: datetime, callback: str | None, tally: Round
) -> None:
    """Send one claimed message (a row in "sending") and record the outcome; the caller
    commits (one message a transaction)."""
    row = db.session.get(OutboxMessage, message_id)
    if row.error.startswith(UNKNOWN):
        try:
            found = gateway.find_sent(row.to_phone, row.body, row.created_at - timedelta(minutes=5))
        except Exception:  # cannot tell: do not send now; it is looked up again later
            log.warning("could not look message %s up at the provider", row.id)
            tally.retried += 1
            return
        if found:
            _mark_sent(row, found, now)
            tally.recovered += 1
            return
    try:
        sid = gateway.send(row.to_phone, row.body, callback)
    except Rejected as exc:
        _retry_or_fail(row, str(exc), now, tally)
    except Unknown as exc:  # stays "sending": looked up at the provider before any resend
        row.error = f"{UNKNOWN} {exc}"[:1000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            tally.failed += 1
        else:
            tally.retried += 1
    else:
        _mark_sent(row, sid, now)
        tally.sent += 1


def _mark_sent(row: OutboxMessage, sid: str, now: datetime) -> None:
    row.status, row.provider_sid, row.sent_at, row.error = OutboxStatus.SENT, sid, now, ""


def _retry_or_fail(row: OutboxMessage, error: str, now: datetime, tally: Round) -> None:
    row.error = error[:1000]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        tally.failed += 1
        log.error("message %s failed after %d attempts: %s", row.id, row.attempts, error)
    else:
        row.status, row.next_attempt_at = OutboxStatus.PENDING, now + backoff(row.attempts)
        tally.retried += 1


def retry_failed(message_id: int, now: datetime) -> OutboxMessage:
    """An administrator sends a failed message again (a fresh attempt budget)."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.FAILED:
        raise ValueError("only a failed message can be retried")
    row.status, row.attempts, row.next_attempt_at, row.error = OutboxStatus.PENDING, 0, now, ""
    return row
