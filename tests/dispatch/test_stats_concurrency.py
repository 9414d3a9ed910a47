"""Many intakes at once, through a real threaded HTTP server, while the rollup is being
folded: every case counted exactly once (the deltas are insert-only; a fold takes only
what was committed when it began)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests

from app.models import utcnow
from dispatch import jobs, settings, stats, stats_live
from tests.livetools import at_once, live_server, token_for

THREADS = 40


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


def test_concurrent_intakes_while_folding_are_each_counted_once(server, db):
    live_app, base = server
    headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
    body = {
        "channel": "phone",
        "caller_phone": "13812341234",
        "category": "water.outage",
        "description": "停水",
    }
    done = threading.Event()

    def fold_until_done() -> None:
        with live_app.app_context():
            while not done.is_set():
                jobs.fold_statistics()

    folder = threading.Thread(target=fold_until_done)
    folder.start()
    try:
        answers = at_once(
            [lambda: requests.post(base + "/api/v1/cases", json=body, headers=headers, timeout=60)]
            * THREADS
        )
    finally:
        done.set()
        folder.join()
    assert [a.status_code for a in answers] == [201] * THREADS
    db.session.rollback()
    now = utcnow()
    today = now.astimezone(settings.timezone()).date()
    start = today - timedelta(days=1)  # the intakes may have been just before midnight
    assert stats.report(start, today, now=now).totals.received == THREADS
    plain = stats_live.tallies(start, today, "department")
    assert stats._tallies(start, today, "department", None) == plain
    jobs.fold_statistics()
    assert stats._tallies(start, today, "department", None) == plain
