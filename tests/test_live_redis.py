"""Several server processes joined by Redis: an event caused in one reaches clients
connected to another, and the scheduler process can push too."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime

import requests
from sqlalchemy import select

from app.models import Case, CaseEvent
from tests.livetools import Listener, close_all, token_for, wait_for
from tests.servers import HOTLINE, RedisServer, hotline_server

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
BODY = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
}


def test_a_case_created_through_process_a_reaches_a_client_of_process_b(app, db):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with hotline_server(url, REDIS_URL) as a, hotline_server(url, REDIS_URL) as b:
        listeners = [
            Listener(b, token_for(app, "operator1")),
            Listener(b, token_for(app, "water1")),
        ]
        try:
            headers = {"Authorization": f"Bearer {token_for(app, 'operator1')}"}
            created = requests.post(a + "/api/v1/cases", json=BODY, headers=headers, timeout=10)
            assert created.status_code == 201, created.text
            number = created.json()["number"]
            for listener in listeners:
                assert wait_for(
                    lambda listener=listener: listener.names(number) == ["case.created"]
                )
        finally:
            close_all(listeners)


def test_redis_down_stops_no_write_and_clients_catch_up(app, db, make_case):
    """Redis is not on the write path: intake and sweeps go on while it is down, pushes
    resume when it returns, and the catch-up returns everything missed (checked against the
    history table)."""
    outage = float(os.environ.get("HOTLINE_TEST_REDIS_OUTAGE_SECONDS", "60"))
    redis = RedisServer()
    redis.start()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    operator = {"Authorization": f"Bearer {token_for(app, 'operator1')}"}
    try:
        with hotline_server(url, redis.url) as a, hotline_server(url, redis.url) as b:
            listener = Listener(b, token_for(app, "operator1"))
            try:
                first = requests.post(a + "/api/v1/cases", json=BODY, headers=operator, timeout=10)
                number = first.json()["number"]
                assert wait_for(lambda: listener.names(number) == ["case.created"])
                last_seen = listener.named("case.created")[-1]["at"]
                overdue = make_case(at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
                redis.stop()
                started, missed = time.monotonic(), []
                while time.monotonic() - started < outage or len(missed) < 3:
                    answer = requests.post(
                        a + "/api/v1/cases", json=BODY, headers=operator, timeout=5
                    )
                    assert answer.status_code == 201, answer.text
                    missed.append(answer.json()["number"])
                    time.sleep(min(outage / 5, 5))
                sweep = subprocess.run(
                    [HOTLINE, "sweep"],
                    env=_env(url, redis.url),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert sweep.returncode == 0, sweep.stderr
                assert overdue.number in sweep.stdout
                redis.start()

                def resumed() -> bool:
                    new = requests.post(
                        a + "/api/v1/cases", json=BODY, headers=operator, timeout=15
                    )
                    probe = new.json()["number"]
                    return wait_for(
                        lambda: probe in {p["number"] for p in listener.named("case.created")}, 3
                    )

                assert wait_for(resumed, 90), "pushes did not resume after Redis came back"
                changes = requests.get(
                    b + "/api/v1/changes", params={"since": last_seen}, headers=operator, timeout=10
                ).json()["items"]
            finally:
                listener.close()
    finally:
        redis.stop()
    got = {(c["number"], c["action"], c["at"]) for c in changes}
    db.session.rollback()
    moment = datetime.fromisoformat(last_seen)
    rows = db.session.execute(
        select(Case.number, CaseEvent.action, CaseEvent.created_at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.created_at > moment)
    ).all()
    expected = {(n, a, at.isoformat()) for n, a, at in rows}
    assert got == expected
    assert {n for n in missed} <= {c["number"] for c in changes if c["event"] == "case.created"}
    assert any(c["event"] == "case.escalated" and c["number"] == overdue.number for c in changes)


def _env(database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_ENV": "development",
    }
