"""Builds the one APScheduler instance: the escalation sweep every interval.

Run exactly one scheduler: inside `hotline serve` on the embedded default, or alone as
`hotline scheduler` in production. Two by mistake still escalate nothing twice (the sweep's
row claiming and unique key), but they waste work.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from dispatch import jobs

log = logging.getLogger(__name__)

SWEEP_JOB = "escalation-sweep"
PURGE_KEYS_JOB = "purge-intake-keys"


def _sweep_job(app: Flask) -> None:
    with app.app_context():
        try:
            done = jobs.escalate_due_cases()
            jobs.flag_missed_acceptance()
            jobs.resume_due_pauses()
        except Exception:  # the next run tries again; nothing is half-written
            log.exception("escalation sweep failed")
            from app.extensions import db

            db.session.rollback()
            return
        finally:
            from app.extensions import db

            db.session.remove()
        if done:
            log.info("escalated %d case level(s)", len(done))


def _outbox_job(app: Flask) -> None:
    from notifications.gateway import from_config

    # rows stay claimed or pending; the next round picks them up
    _guarded(app, lambda: jobs.send_outbox(from_config(app.config)), "sending the SMS outbox")


def _fold_job(app: Flask) -> None:
    # the deltas stay and are read as they are; the next fold takes them
    _guarded(app, jobs.fold_statistics, "folding the statistics deltas")


def _purge_keys_job(app: Flask) -> None:
    # the batches committed stay deleted; the next run deletes the rest
    _guarded(app, jobs.purge_intake_keys, "purging the expired intake keys")


def _guarded(app: Flask, run, doing: str) -> None:
    """`run` in the app's context; a failure is logged and rolled back, never raised into
    the scheduler (the next run tries again)."""
    from app.extensions import db

    with app.app_context():
        try:
            run()
        except Exception:
            log.exception("%s failed", doing)
            db.session.rollback()
        finally:
            db.session.remove()


def build(app: Flask, *, blocking: bool = False):
    """The scheduler with the sweep job; the first run is at once (a catch-up after downtime)."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    scheduler.add_job(
        _sweep_job,
        IntervalTrigger(seconds=app.config["SWEEP_INTERVAL_SECONDS"]),
        args=[app],
        id=SWEEP_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _outbox_job,
        IntervalTrigger(seconds=app.config["OUTBOX_INTERVAL_SECONDS"]),
        args=[app],
        id="send-outbox",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        _fold_job,
        IntervalTrigger(seconds=app.config["STATS_FOLD_SECONDS"]),
        args=[app],
        id="fold-statistics",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        _purge_keys_job,
        IntervalTrigger(hours=1),  # a key outlives HOTLINE_INTAKE_KEY_HOURS by an hour at most
        args=[app],
        id=PURGE_KEYS_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        # at once too: a scheduler restarted more often than hourly (deployments) still purges
        next_run_time=datetime.now(UTC),
    )
    _start_clock_watch(scheduler, app.config["SWEEP_INTERVAL_SECONDS"])
    return scheduler


def _start_clock_watch(scheduler, interval: int) -> None:
    """APScheduler times its runs by the wall clock: when the clock steps back an hour, the
    next sweep would wait an hour. A watcher on the monotonic clock pulls it back in."""

    def watch() -> None:
        slack = timedelta(seconds=2 * interval)
        tick = threading.Event()
        while True:
            tick.wait(interval)  # waits on the monotonic clock: wall-clock steps don't matter
            job = scheduler.get_job(SWEEP_JOB)
            if job is None or job.next_run_time is None:
                continue
            now = datetime.now(UTC)
            if job.next_run_time - now > slack:
                log.warning("the clock went back; sweeping now instead of at %s", job.next_run_time)
                job.modify(next_run_time=now)

    threading.Thread(target=watch, name="sweep-clock-watch", daemon=True).start()
