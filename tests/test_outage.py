"""PostgreSQL stopped for 30 seconds under steady intake (about 45 s; PostgreSQL runs only).

The test starts a PostgreSQL server of its own (its own data directory and port), serves the
app from a real threaded HTTP server, and keeps three clients registering cases while the
database goes away and comes back: requests fail fast with 503 (never a hang, never a 500),
nothing is half-written, the service recovers without a restart, and every case answered
with 201 is in the database.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests
from sqlalchemy import func, select, text

from app.auth import issue_token
from app.extensions import db
from app.models import Case, CaseEvent, User
from app.sqlite import writing
from tests import dbserver
from tests.livetools import live_server
from tests.servers import free_port

OUTAGE_SECONDS = 30
pytestmark = pytest.mark.skipif(not dbserver.is_postgres(), reason="PostgreSQL runs only")


def _as_postgres(*args: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class OwnPostgres:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert found, "PostgreSQL server binaries are missing"
        self.bin = os.path.dirname(found[-1])
        self.dir = tempfile.mkdtemp(prefix="hotline-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        _as_postgres(
            f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres"
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        _as_postgres(
            f"{self.bin}/pg_ctl",
            "-D",
            f"{self.dir}/data",
            "-o",
            options,
            "-l",
            f"{self.dir}/log",
            "-w",
            "start",
        )

    def stop(self) -> None:
        _as_postgres(f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_postgres():
    server = OwnPostgres()
    server.start()
    yield server
    server.remove()


def test_intake_fails_fast_while_postgres_is_down_and_recovers(own_postgres):
    from flask_migrate import upgrade

    from app import demo

    with live_server(own_postgres.url) as (app, base):
        with app.app_context(), writing():
            upgrade()
            demo.seed()
            token = issue_token(
                db.session.scalars(select(User).filter_by(username="operator1")).one()
            )
            db.session.commit()
        results: list[tuple[float, int, str | None]] = []
        stop = threading.Event()

        def client() -> None:
            body = {
                "channel": "phone",
                "caller_phone": "13812341234",
                "category": "water.outage",
                "description": "停水",
            }
            headers = {"Authorization": f"Bearer {token}"}
            while not stop.is_set():
                started = time.monotonic()
                try:
                    answer = requests.post(
                        base + "/api/v1/cases", json=body, headers=headers, timeout=10
                    )
                    number = answer.json().get("number") if answer.status_code == 201 else None
                    results.append((time.monotonic() - started, answer.status_code, number))
                except requests.RequestException:
                    results.append((time.monotonic() - started, 0, None))
                time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        own_postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        own_postgres.start()
        time.sleep(8)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        statuses = [status for _, status, _ in results]
        assert set(statuses) <= {201, 503}, sorted(set(statuses))
        assert statuses.count(503) > 10, "the outage was not seen"
        assert all(elapsed < 2.0 for elapsed, status, _ in results if status == 503)
        assert statuses[-5:] == [201] * 5, "the service did not recover by itself"
        acknowledged = {number for _, status, number in results if status == 201}
        with app.app_context():
            stored = set(db.session.scalars(select(Case.number)))
            assert acknowledged <= stored
            without_history = db.session.scalar(
                select(func.count())
                .select_from(Case)
                .where(
                    ~select(CaseEvent.id)
                    .where(CaseEvent.case_id == Case.id, CaseEvent.action == "register")
                    .exists()
                )
            )
            assert without_history == 0
            counters = db.session.execute(
                text("SELECT max(last_value) FROM case_number_counters")
            ).scalar()
            assert counters >= len(stored)
            db.session.remove()
