"""The outbox worker: claim pending messages, mark them as being sent, send, record.

Nothing is lost (a failure is retried with backoff, up to a limit) and nothing goes out
twice: a row is marked "sending" and committed before the send, and a row left "sending"
by a worker that died, or by a send whose answer never came, is looked up at the provider
before it is ever sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, SmsOptOut, SmsSenderPace, SmsStatusCallback
from dispatch.fields import clean_text
from notifications.gateway import Rejected, SmsGateway, Unknown

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
STALE_SENDING = timedelta(minutes=2)
HORIZON = timedelta(seconds=5)  # how far ahead a worker books the sender's send slots
LONGEST_WAIT = 3 * HORIZON  # a send never waits longer for its slot (a clock step back)
UNKNOWN = "unknown:"
# What the outbox writes as a message's error itself (the provider's own errors besides);
# the SMS pages show them in their language (app/web/filters.py, outbox_error).
OPTED_OUT = "the number opted out"
WORKER_STOPPED = f"{UNKNOWN} the sending worker stopped before recording the answer"
LOOKUP_FAILED = f"{UNKNOWN} lookup failed: "


@dataclass
class Round:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    cancelled: int = 0

    def add(self, other: Round) -> None:
        for name in ("sent", "retried", "failed", "recovered", "cancelled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.recovered + self.cancelled


@dataclass(frozen=True)
class Claimed:
    """A message this worker took: what it needs to send it without the database."""

    id: int
    to_phone: str
    body: str
    created_at: datetime
    claimed_at: datetime
    slot: datetime  # not sent before this moment (the sender's pace)
    look_up_first: bool  # it may have gone out already: ask the provider before sending


@dataclass(frozen=True)
class Outcome:
    sid: str | None = None  # the provider took it (or had taken it: `found`)
    found: bool = False
    rejected: str | None = None  # the provider answered and did not take it
    unknown: str | None = None  # no answer: it may have gone out


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim(
    now: datetime,
    limit: int,
    *,
    sender: str = "default",
    rate: float = 1000.0,
    stale: timedelta = STALE_SENDING,
    wall: datetime | None = None,
    tally: Round | None = None,
) -> list[Claimed]:
    """Take due messages for this worker (SKIP LOCKED on PostgreSQL) and book their send
    slots on the sender's shared pace; the caller commits before sending anything.

    Nothing is claimed while the sender is booked more than HORIZON ahead by other workers,
    so that a claimed message is sent long before it could look abandoned (`stale`).
    """
    wall = wall or datetime.now(UTC)
    pace = _pace(sender, wall)
    ahead = pace.next_slot_at - wall
    if ahead > 3 * HORIZON:  # no worker books that far: the wall clock stepped back
        pace.next_slot_at = wall
    elif ahead > HORIZON:
        return []
    limit = max(1, min(limit, int(rate * HORIZON.total_seconds())))
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at <= now - stale),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = db.session.scalars(query).all()
    blocked = _opted_out({row.to_phone for row in rows})
    interval = timedelta(seconds=1 / rate)
    slot = max(pace.next_slot_at, wall)
    claimed = []
    for row in rows:
        if row.to_phone in blocked and row.status == OutboxStatus.PENDING:
            row.status, row.error = OutboxStatus.CANCELLED, OPTED_OUT
            if tally is not None:
                tally.cancelled += 1
            continue
        row.attempts += 1
        if row.status == OutboxStatus.SENDING and not row.error.startswith(UNKNOWN):
            row.error = WORKER_STOPPED
        row.status, row.claimed_at = OutboxStatus.SENDING, now
        look_up = row.error.startswith(UNKNOWN)
        claimed.append(Claimed(row.id, row.to_phone, row.body, row.created_at, now, slot, look_up))
        slot += interval
    pace.next_slot_at = slot
    return claimed


def attempt(message: Claimed, gateway: SmsGateway, callback: str | None) -> Outcome:
    """Send one claimed message, or find it at the provider first; no database here."""
    if message.look_up_first:
        since = message.created_at - timedelta(minutes=5)
        try:
            found = gateway.find_sent(message.to_phone, message.body, since)
        except Exception as exc:  # cannot tell: do not send now; looked up again later
            return Outcome(unknown=f"{LOOKUP_FAILED}{type(exc).__name__}")
        if found:
            return Outcome(sid=found, found=True)
    try:
        return Outcome(sid=gateway.send(message.to_phone, message.body, callback))
    except Rejected as exc:
        return Outcome(rejected=str(exc))
    except Unknown as exc:
        return Outcome(unknown=f"{UNKNOWN} {exc}")


def still_ours(message: Claimed) -> bool:
    """True while the row is the one this worker claimed (no other worker took it over)."""
    row = db.session.get(OutboxMessage, message.id, populate_existing=True)
    if row is None or row.status != OutboxStatus.SENDING:
        return False
    return row.claimed_at == message.claimed_at


def settle(message: Claimed, outcome: Outcome, now: datetime, tally: Round) -> None:
    """Record what the attempt gave (the caller commits; one message a transaction)."""
    row = db.session.get(OutboxMessage, message.id, with_for_update=True, populate_existing=True)
    if row is None or row.status != OutboxStatus.SENDING:
        return
    if outcome.sid:
        _mark_sent(row, outcome.sid, now)
        if outcome.found:
            tally.recovered += 1
        else:
            tally.sent += 1
    elif outcome.rejected is not None:
        _retry_or_fail(row, outcome.rejected, now, tally)
    else:  # stays "sending": looked up at the provider before any resend
        row.error = (outcome.unknown or UNKNOWN)[:1000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            tally.failed += 1
        else:
            tally.retried += 1


def _pace(sender: str, wall: datetime) -> SmsSenderPace:
    """The sender's pace row, locked for this transaction (created on first use)."""
    table = SmsSenderPace.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(table)
        .values(sender=sender, next_slot_at=wall)
        .on_conflict_do_nothing(index_elements=["sender"])
    )
    return db.session.get(SmsSenderPace, sender, with_for_update=True, populate_existing=True)


def _opted_out(phones: set[str]) -> set[str]:
    if not phones:
        return set()
    return set(db.session.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_(phones))))


def _mark_sent(row: OutboxMessage, sid: str, now: datetime) -> None:
    row.status, row.provider_sid, row.sent_at, row.error = OutboxStatus.SENT, sid, now, ""
    early = db.session.scalars(
        select(SmsStatusCallback)
        .where(SmsStatusCallback.provider_sid == sid)
        .order_by(SmsStatusCallback.id)
    )
    for report in early:  # a delivery report that came before the send's answer was stored
        _apply(row, report.status, report.error_code)


# Twilio's message statuses in the order they happen; a report never moves a message back.
PROGRESS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "read": 4,
}
OUR_STATUS = {
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.DELIVERED,
    "undelivered": OutboxStatus.UNDELIVERED,
    "failed": OutboxStatus.UNDELIVERED,
}
_RANK = {
    OutboxStatus.SENT: 2,
    OutboxStatus.DELIVERED: 3,
    OutboxStatus.UNDELIVERED: 3,
}


def record_status(sid: str, status: str, error_code: str, now: datetime) -> OutboxMessage | None:
    """Keep one delivery report from Twilio and move its message forward (never back):
    reports may repeat, come out of order, or come before the send's answer was stored."""
    if any(clean_text(value) is None for value in (sid, status, error_code)):
        raise ValueError("MessageSid, MessageStatus and ErrorCode must be text")  # NUL
    status, error_code = (status or "").strip().lower()[:16], (error_code or "").strip()[:16]
    if not sid or status not in PROGRESS:
        raise ValueError("a delivery report needs MessageSid and a known MessageStatus")
    report = SmsStatusCallback(provider_sid=sid[:64], status=status, error_code=error_code)
    report.received_at = now
    db.session.add(report)
    row = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.provider_sid == sid).with_for_update()
    ).first()
    if row is not None:
        _apply(row, status, error_code)
    return row


def _apply(row: OutboxMessage, status: str, error_code: str) -> None:
    ours = OUR_STATUS.get(status)
    if ours is None or row.status not in _RANK:
        return
    if PROGRESS[status] > _RANK[row.status]:
        row.status = ours
        if ours == OutboxStatus.UNDELIVERED:
            row.error = f"Twilio {status}" + (f", error {error_code}" if error_code else "")


def history(row: OutboxMessage) -> list[SmsStatusCallback]:
    """The delivery reports of a message, as they came."""
    if not row.provider_sid:
        return []
    return db.session.scalars(
        select(SmsStatusCallback)
        .where(SmsStatusCallback.provider_sid == row.provider_sid)
        .order_by(SmsStatusCallback.id)
    ).all()


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
    """An administrator sends a failed message again (a fresh attempt budget). A message
    whose last send went unanswered keeps that mark: it is looked up at the provider first."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.FAILED:
        raise ValueError("only a failed message can be retried")
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, now
    if not row.error.startswith(UNKNOWN):
        row.error = ""
    return row
