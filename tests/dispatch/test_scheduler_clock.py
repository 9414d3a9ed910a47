"""The scheduler process under libfaketime: the wall clock jumps forward two hours and back
one; everything due is escalated within an interval or two, nothing twice, and deadlines
stored in UTC do not move."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEscalation

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
HOTLINE = str(Path(sys.executable).with_name("hotline"))


def levels(db, case_id: int) -> list[int]:
    db.session.rollback()
    query = select(CaseEscalation.level).where(CaseEscalation.case_id == case_id)
    return sorted(db.session.scalars(query))


def wait_until(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def scheduler(app, tmp_path):
    assert LIBFAKETIME.exists(), "libfaketime is missing: apt-get install faketime"
    offset_file = tmp_path / "faketime"
    offset_file.write_text("+0\n")
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "1",
        "HOTLINE_ENV": "development",
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    # Its log goes to a file: a pipe nobody reads fills up (APScheduler logs every run) and
    # then blocks the scheduler in the middle of the test.
    log = tmp_path / "scheduler.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [HOTLINE, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=sink
        )
        yield offset_file.write_text
        process.terminate()
        process.wait(timeout=10)
    print(log.read_text(errors="replace")[-20000:])  # shown by pytest when the test fails


# It was flaky, for two reasons, both product bugs and both fixed. On SQLite a sweep batch
# read the clock at +2 h before waiting for the write turn, which this test held while it
# stepped back and made the second case (tests/dispatch/test_jobs_clock.py replays it). On
# PostgreSQL the sweep's claim, a statement of its own, saw the second case committed after
# the batch read the clock at +2 h (the sweep was slow on a loaded machine): it got levels
# 1 and 2; the sweep now reads the clock again after its claim (replayed there too).
def test_clock_jumps_forward_two_hours_and_back_one(db, make_case, scheduler):
    real = datetime.now(UTC)
    # An emergency: warning at start + 90 min, overdue at + 2 h, seriously overdue at + 4 h.
    first = make_case(category="gas.leak", at=real - timedelta(hours=1))
    due_at = first.due_at
    time.sleep(2.5)
    assert levels(db, first.id) == []  # warning comes at real + 30 min
    scheduler("+2h\n")
    assert wait_until(lambda: levels(db, first.id) == [1, 2], 30)  # a loaded machine: slow start
    scheduler("+1h\n")
    second = make_case(category="gas.leak", at=real - timedelta(minutes=31))  # warning now
    assert wait_until(lambda: levels(db, second.id) == [1], 30), levels(db, second.id)
    time.sleep(2)
    assert levels(db, first.id) == [1, 2] and levels(db, second.id) == [1]
    db.session.rollback()
    assert db.session.get(Case, first.id).due_at == due_at
    total = db.session.scalar(select(func.count()).select_from(CaseEscalation))
    assert total == 3
