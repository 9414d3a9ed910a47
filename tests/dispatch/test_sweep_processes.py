"""Sweeps in real processes (`hotline sweep`): two at once escalate each case once; one
killed with SIGKILL in the middle and then run again escalates everything, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from app.models import CaseEscalation, CaseEvent

HOTLINE = str(Path(sys.executable).with_name("hotline"))
LATER = "2027-03-01T00:00:00+08:00"


def sweep_process(app, batch: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HOTLINE_SWEEP_BATCH": str(batch),
        "HOTLINE_ENV": "development",
    }
    return subprocess.Popen(
        [HOTLINE, "sweep", "--now", LATER],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def make_due_cases(make_case, count: int):
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    return [make_case(at=start) for _ in range(count)]


def escalation_counts(db) -> tuple[int, int, int]:
    db.session.rollback()
    rows = db.session.scalar(select(func.count()).select_from(CaseEscalation))
    events = db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "escalate")
    )
    distinct = db.session.scalar(
        select(func.count()).select_from(
            select(CaseEscalation.case_id, CaseEscalation.level).distinct().subquery()
        )
    )
    return rows, events, distinct


def test_two_sweeps_at_once_escalate_each_case_once(app, db, make_case):
    cases = make_due_cases(make_case, 120)
    first, second = sweep_process(app, 10), sweep_process(app, 10)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert escalation_counts(db) == (len(cases) * 3,) * 3
    printed = sum(int(out.rsplit("escalated ", 1)[1].split()[0]) for out, _ in outputs)
    assert printed == len(cases) * 3


def test_a_sweep_killed_midway_then_rerun_misses_nothing(app, db, make_case):
    cases = make_due_cases(make_case, 150)
    victim = sweep_process(app, 5)
    deadline = time.monotonic() + 60
    while escalation_counts(db)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)
    partial = escalation_counts(db)[0]
    assert 0 < partial < len(cases) * 3, "the sweep should have been killed midway"
    rerun = sweep_process(app, 50)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert escalation_counts(db) == (len(cases) * 3,) * 3
