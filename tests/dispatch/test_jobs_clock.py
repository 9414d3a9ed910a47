"""The scheduler jobs and the wall clock: a batch reads the time once its transaction has
begun (not before waiting for the write turn), and waits for a slot are clamped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from app.extensions import db as _db
from app.models import CaseEscalation
from app.sqlite import writing
from dispatch import intake, jobs
from tests import dbserver
from tests.dispatch.test_scheduler_clock import LIBFAKETIME
from tests.factories import DEFAULT_CASE


def test_every_batch_reads_the_clock_inside_its_transaction(app, db, make_case, monkeypatch):
    make_case(category="gas.leak", at=datetime.now(UTC) - timedelta(hours=3))
    open_transactions = []

    def began(_connection):
        open_transactions.append(True)

    def ended(_connection):
        open_transactions.clear()

    listeners = [("begin", began), ("commit", ended), ("rollback", ended)]
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    reads = []

    def clock():
        reads.append(bool(open_transactions))
        return datetime.now(UTC)

    monkeypatch.setattr(jobs, "utcnow", clock)
    try:
        assert [e.level for e in jobs.escalate_due_cases()] == [1, 2]
        jobs.flag_missed_acceptance()
        jobs.resume_due_pauses()
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)
    assert len(reads) >= 4 and all(reads)


@pytest.mark.skipif(dbserver.is_postgres(), reason="on SQLite a sweep waits for the write turn")
def test_a_case_registered_after_the_clock_stepped_back_is_swept_by_the_new_time(
    app, db, user, now
):
    """The flaky clock test, step by step: the sweep waits for the write turn while another
    writer, after the clock stepped back an hour, registers an emergency that is only due
    for its warning; the sweep must not take it for overdue by the clock before the step."""
    clock = [now + timedelta(hours=2, minutes=1)]  # warning at + 90 min, overdue at + 2 h
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(jobs, "utcnow", lambda: clock[0])
    done = []

    def sweep():
        with app.app_context():
            done.extend(jobs.escalate_due_cases())

    db.session.commit()
    try:
        with writing():
            db.session.connection()  # holds the write turn
            sweeper = threading.Thread(target=sweep)
            sweeper.start()
            time.sleep(0.5)  # the sweep is waiting for the turn
            clock[0] = now + timedelta(hours=1, minutes=31)
            data = {**DEFAULT_CASE, "category": "gas.leak"}
            case = intake.register_case(data, user("operator1"), now)
            db.session.commit()
        sweeper.join(10)
    finally:
        monkeypatch.undo()
    assert not sweeper.is_alive()
    assert [(e.number, e.level) for e in done] == [(case.number, 1)]
    db.session.rollback()
    query = select(CaseEscalation.level).where(CaseEscalation.case_id == case.id)
    assert list(_db.session.scalars(query)) == [1]


@pytest.mark.skipif(not dbserver.is_postgres(), reason="on SQLite the begin takes the turn")
def test_a_case_committed_after_the_sweep_read_the_clock_is_judged_by_a_later_reading(
    app, db, user, now, monkeypatch
):
    """The PostgreSQL side of the flaky clock test: each statement sees what was committed
    until it began, so the sweep's claim sees a case registered after the sweep read the
    clock. When the clock stepped back in between, the case is judged by the time read
    after the claim: only due for its warning, not overdue."""
    registered = []

    def register_after_the_step_back():
        with app.app_context():
            data = {**DEFAULT_CASE, "category": "gas.leak"}  # warning + 90 min, overdue + 2 h
            case = intake.register_case(data, user("operator1"), now)
            _db.session.commit()
            registered.append((case.id, case.number))

    def clock():
        if not registered:  # the batch reads + 2 h 01; then the clock steps back an hour
            registrar = threading.Thread(target=register_after_the_step_back)
            registrar.start()
            registrar.join(10)
            return now + timedelta(hours=2, minutes=1)
        return now + timedelta(hours=1, minutes=31)

    db.session.commit()
    monkeypatch.setattr(jobs, "utcnow", clock)
    done = jobs.escalate_due_cases()
    ((case_id, number),) = registered
    assert [(e.number, e.level) for e in done] == [(number, 1)]
    db.session.rollback()
    query = select(CaseEscalation.level).where(CaseEscalation.case_id == case_id)
    assert list(_db.session.scalars(query)) == [1]


def test_a_pause_is_clamped_to_none_and_to_the_longest():
    start = time.monotonic()
    jobs._pause(-3600.0, 5.0)  # a slot an hour behind: the clock stepped forward
    jobs._pause(3600.0, 0.2)  # an hour ahead: the clock stepped back
    elapsed = time.monotonic() - start
    assert 0.19 <= elapsed < 2.0


def test_a_pause_works_under_libfaketime():
    """time.sleep fails there with EINVAL (Python >= 3.11, FAKETIME_DONT_FAKE_MONOTONIC)."""
    assert LIBFAKETIME.exists(), "libfaketime is missing: apt-get install faketime"
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": "+1h",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    code = (
        "import time\n"
        "from dispatch.jobs import _pause\n"
        "start = time.monotonic()\n"
        "_pause(0.2, 1.0)\n"
        "assert time.monotonic() - start >= 0.19\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
