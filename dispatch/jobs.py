"""Scheduler job functions: each calls one service and commits."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.extensions import db
from app.models import utcnow
from app.sqlite import writing
from dispatch import acceptance, escalation, intake_keys, pauses, rollup_rebuild, rollup_sql
from notifications import delivery
from notifications.delivery import Claimed, Round
from notifications.gateway import SmsGateway

log = logging.getLogger(__name__)
OUTBOX_BATCH = 100
CLAIM_LEAD = 1.0  # seconds before its last booked slot that a worker claims again


def _pause(seconds: float, longest: float) -> None:
    """Wait `seconds`, at least none and at most `longest`, on the monotonic clock.

    A wait until a wall-clock slot is a difference of two wall-clock readings: a step of
    the clock makes it negative (time.sleep raises ValueError) or an hour long. And not
    time.sleep itself: since Python 3.11 it sleeps until an absolute monotonic deadline
    (clock_nanosleep with TIMER_ABSTIME), which libfaketime with FAKETIME_DONT_FAKE_MONOTONIC
    (the scheduler's clock tests) turns into EINVAL; a timed Event.wait is unaffected.
    """
    threading.Event().wait(min(max(seconds, 0.0), longest))


def _begun_at(now: datetime | None) -> datetime:
    """Begin this batch's transaction, then read the clock (unless a time is given).

    On SQLite the begin waits for the write turn (BEGIN IMMEDIATE), and another writer may
    commit meanwhile. A time read before that wait can be later than the rows it then sees
    when the wall clock stepped back during the wait: a case registered just after the step
    would be escalated, flagged or resumed by the clock as it was before (a warning case
    taken for overdue). Read after the begin, the time is never older than what the batch
    sees on SQLite. On PostgreSQL each statement sees what was committed until it began,
    so the sweeps read the clock again after their claims (_recheck, escalation.sweep).
    """
    db.session.connection()
    return now or utcnow()


def _recheck(now: datetime | None) -> Callable[[], datetime] | None:
    """What a batch reads the clock with again after its claim (none for a given time)."""
    return None if now else utcnow


def escalate_due_cases(now: datetime | None = None) -> list[escalation.Escalated]:
    """Raise every case whose next escalation is due, a batch a transaction; safe to rerun."""
    done: list[escalation.Escalated] = []
    with writing():
        while True:
            batch = escalation.sweep(
                _begun_at(now),
                current_app.config["SWEEP_BATCH"],
                recheck=_recheck(now),
            )
            db.session.commit()
            done += batch.escalated
            if not batch.claimed:
                return done


def fold_statistics() -> int:
    """Fold the committed statistics deltas into the rollup (one transaction). When the
    rollup's days were cut in another time zone than this process's HOTLINE_TIMEZONE (it
    was changed), rebuild it in this one instead: its figures would mix two calendars."""
    with writing():
        change = rollup_rebuild.zone_change()
        if change is not None:
            log.warning(
                "the statistics rollup was cut in time zone %s, HOTLINE_TIMEZONE is %s now: "
                "rebuilding it",
                *change,
            )
            touched = rollup_rebuild.rebuild()
        else:
            touched = rollup_sql.fold()
        db.session.commit()
    return touched


def rebuild_statistics() -> int:
    """Recompute the statistics rollup from the cases (one transaction); its row count."""
    with writing():
        rows = rollup_rebuild.rebuild()
        db.session.commit()
    return rows


def resume_due_pauses(now: datetime | None = None) -> list[str]:
    """End every pause whose expected date has come, a batch a transaction."""
    resumed: list[str] = []
    with writing():
        while True:
            claimed, batch = pauses.resume_due(
                _begun_at(now), current_app.config["SWEEP_BATCH"], recheck=_recheck(now)
            )
            db.session.commit()
            resumed += batch
            if not claimed:
                return resumed


def flag_missed_acceptance(now: datetime | None = None) -> list[acceptance.Missed]:
    """Flag every dispatched case not accepted in time, a batch a transaction."""
    flagged: list[acceptance.Missed] = []
    with writing():
        while True:
            claimed, batch = acceptance.flag_missed(
                _begun_at(now), current_app.config["SWEEP_BATCH"], recheck=_recheck(now)
            )
            db.session.commit()
            flagged += batch
            if not claimed:
                return flagged


def purge_intake_keys(now: datetime | None = None, batch: int = intake_keys.PURGE_BATCH) -> int:
    """Delete the expired intake keys (重复提交保护), a batch a transaction: a backlog
    never holds a long lock, and registrations write between batches. How many it deleted."""
    purged = 0
    with writing():
        while True:
            deleted = intake_keys.purge_expired(_begun_at(now), batch)
            db.session.commit()
            purged += deleted
            if deleted < batch:
                break
    log.info("purged %d expired intake key(s)", purged)
    return purged


def send_outbox(gateway: SmsGateway, now: datetime | None = None, budget: float = 60.0) -> Round:
    """Send what is due in the SMS outbox, round after round until nothing is due (or the
    sender is booked ahead by other workers) or `budget` seconds have passed.

    Each claim commits before any send; sends run on SMS_CONCURRENCY threads, each at its
    booked slot of the sender's pace, and each outcome is its own transaction, so that a
    crash at any point sends nothing twice. The next batch is claimed shortly before the
    last booked slot comes, so that one worker keeps the pace without gaps.
    """
    app = current_app._get_current_object()
    config = app.config
    sender = getattr(gateway, "from_number", "console")
    stale = timedelta(seconds=config["SMS_STALE_SECONDS"])
    callback = _status_callback()
    tally = Round()
    until = time.monotonic() + budget
    running: list[Future] = []
    last_slot: datetime | None = None
    with ThreadPoolExecutor(max_workers=config["SMS_CONCURRENCY"]) as pool:
        while time.monotonic() < until:
            if last_slot is not None:
                ahead = (last_slot - datetime.now(UTC)).total_seconds() - CLAIM_LEAD
                if ahead > 0:
                    _pause(ahead, 0.5)
                    continue
            cancelled = tally.cancelled
            with writing():
                claimed = delivery.claim(
                    _begun_at(now),  # and claim() reads its own wall clock after this
                    OUTBOX_BATCH,
                    sender=sender,
                    rate=config["SMS_RATE_PER_SECOND"],
                    stale=stale,
                    tally=tally,
                )
                db.session.commit()
            if not claimed:
                if tally.cancelled > cancelled:  # withheld ones only: look again
                    continue
                break
            last_slot = claimed[-1].slot
            running += [pool.submit(_send_one, app, m, gateway, now, callback) for m in claimed]
        for future in running:
            tally.add(future.result())
    return tally


def _send_one(app, message: Claimed, gateway: SmsGateway, now, callback) -> Round:
    """Wait for the message's slot, check it is still ours, send, record the outcome."""
    tally = Round()
    with app.app_context():
        try:
            wait = (message.slot - datetime.now(UTC)).total_seconds()
            _pause(wait, delivery.LONGEST_WAIT.total_seconds())
            ours = delivery.still_ours(message)
            db.session.rollback()  # end the read before the network call
            if not ours:
                return tally
            outcome = delivery.attempt(message, gateway, callback)
            with writing():
                delivery.settle(message, outcome, _begun_at(now), tally)
                db.session.commit()
        except Exception:  # the row stays "sending": looked up at the provider, never resent
            log.exception("recording SMS %s failed", message.id)
            db.session.rollback()
        finally:
            db.session.remove()
    return tally


def _status_callback() -> str | None:
    base = current_app.config.get("PUBLIC_URL")
    return base.rstrip("/") + "/twilio/sms/status" if base else None
