"""重复提交保护 for a day: a key older than HOTLINE_INTAKE_KEY_HOURS no longer replays (the
registration under it is new, its row replaced), and the scheduler's hourly purge deletes
expired keys in bounded batches, leaving the unexpired ones and every case."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import event, insert, select, text, update

from app.models import Case, IntakeKey, OutboxMessage, direct, utcnow
from app.sqlite import writing
from config import BASE_DIR
from dispatch import intake_keys, jobs, scheduler
from tests.api.test_intake_keys import GOOD, _count
from tests.dispatch.test_intake_write import statements_during
from tests.livetools import at_once, live_server, token_for


def _post(client, auth_header, body, key):
    headers = {**auth_header("operator1"), "Idempotency-Key": key}
    return client.post("/api/v1/cases", json=body, headers=headers)


def _sent_ago(db, hours: float) -> None:
    """Every key stored was sent `hours` ago."""
    db.session.commit()  # end the read: on SQLite a write begun inside it may find the lock
    with writing():
        db.session.execute(update(IntakeKey).values(created_at=utcnow() - timedelta(hours=hours)))
        db.session.commit()


def _keyed(db, user, raw: str, at: datetime) -> Case:
    """A case registered at `at` under key `raw`, as the intake does."""
    operator = user("operator1")
    key = intake_keys.key_for(intake_keys.owner_of(operator), raw, GOOD)
    db.session.commit()
    with writing():
        done = intake_keys.register(GOOD, operator, at, key)
        db.session.commit()
    return done.case


def _keys(db) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(IntakeKey.key)))


def test_an_expired_key_registers_a_new_case(client, auth_header, db):
    first = _post(client, auth_header, GOOD, "call-9001")
    assert first.status_code == 201, first.text
    _sent_ago(db, 25)
    again = _post(client, auth_header, GOOD, "call-9001")
    assert again.status_code == 201, again.text
    assert again.json["number"] != first.json["number"]
    assert "Idempotent-Replayed" not in again.headers
    assert _count(db, Case) == 2 and _count(db, OutboxMessage) == 2  # its own receipt
    stored = db.session.scalars(select(IntakeKey)).one()  # the expired row gave way
    new_case = db.session.scalars(select(Case).where(Case.number == again.json["number"])).one()
    assert stored.case_id == new_case.id
    replay = _post(client, auth_header, GOOD, "call-9001")  # the key replays the new case now
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["number"] == again.json["number"]


def test_an_expired_key_with_another_request_is_not_refused(client, auth_header, db):
    assert _post(client, auth_header, GOOD, "call-9002").status_code == 201
    _sent_ago(db, 25)
    changed = _post(client, auth_header, {**GOOD, "description": "停水三天"}, "call-9002")
    assert changed.status_code == 201, changed.text
    assert _count(db, Case) == 2 and _count(db, IntakeKey) == 1


def test_an_unexpired_key_still_replays(client, auth_header, db):
    first = _post(client, auth_header, GOOD, "call-9003")
    _sent_ago(db, 23)
    again = _post(client, auth_header, GOOD, "call-9003")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["number"] == first.json["number"]
    assert _count(db, Case) == 1


def test_an_expired_key_costs_one_statement_more_than_a_new_one(db, user):
    """The lookup of a key finds it expired in the same query; only its delete is added (the
    lookup began the transaction already: a keyed registration has its BEGIN and COMMIT)."""

    def statements(raw: str) -> list[str]:
        db.session.commit()
        operator = user("operator1")
        key = intake_keys.key_for(intake_keys.owner_of(operator), raw, GOOD)
        direct.commit_keeping_loaded(db.session())  # the operator stays loaded: no reads

        def register():
            with writing():
                intake_keys.register(GOOD, operator, utcnow(), key, commits_next=True)
                direct.commit_keeping_loaded(db.session())  # as the API commits

        return statements_during(db, register)

    statements("warm-up")  # the reference snapshots are loaded
    new = statements("call-9005")
    _sent_ago(db, 25)
    expired = statements("call-9005")
    deletes = [s for s in expired if s.startswith("DELETE FROM intake_keys")]
    assert len(deletes) == 1 and not any(s.startswith("DELETE") for s in new)
    assert len(expired) == len(new) + 1, (new, expired)


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


def test_retries_racing_under_an_expired_key_register_one_new_case(server, db):
    """They all find the expired row; one deletes it and registers (on PostgreSQL the others'
    deletes wait for its row lock, then delete nothing), the others lose on the unique index
    and answer its case."""
    live_app, base = server
    headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
    headers["Idempotency-Key"] = "retry-race-expired"
    url = base + "/api/v1/cases"
    first = requests.post(url, json=GOOD, headers=headers, timeout=60).json()["number"]
    _sent_ago(db, 25)
    answers = at_once([lambda: requests.post(url, json=GOOD, headers=headers, timeout=60)] * 20)
    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers][:3]
    numbers = {a.json()["number"] for a in answers}
    assert len(numbers) == 1 and first not in numbers
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 19
    assert _count(db, Case) == 2 and _count(db, IntakeKey) == 1


def test_keys_live_as_many_hours_as_configured(app, client, auth_header, db, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_KEY_HOURS", 1)
    first = _post(client, auth_header, GOOD, "call-9004")
    _sent_ago(db, 2)
    again = _post(client, auth_header, GOOD, "call-9004")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json["number"] != first.json["number"]


def test_the_purge_deletes_exactly_the_expired_keys(db, user, now):
    for raw, hours in [("old-1", 48), ("old-2", 24.5), ("fresh-1", 23.5), ("fresh-2", 1)]:
        _keyed(db, user, raw, now - timedelta(hours=hours))
    assert jobs.purge_intake_keys(now=now) == 2
    assert _keys(db) == {"fresh-1", "fresh-2"}
    assert _count(db, Case) == 4  # their cases stay
    assert jobs.purge_intake_keys(now=now) == 0  # safe to run again


def test_a_backlog_is_purged_in_batches(db, user, now, monkeypatch):
    for n in range(7):
        _keyed(db, user, f"old-{n}", now - timedelta(days=2, minutes=n))
    _keyed(db, user, "fresh", now - timedelta(hours=1))
    batches = []
    purge = intake_keys.purge_expired

    def purge_expired(at, batch):
        batches.append(deleted := purge(at, batch))
        return deleted

    monkeypatch.setattr(intake_keys, "purge_expired", purge_expired)
    assert jobs.purge_intake_keys(now=now, batch=3) == 7
    assert batches == [3, 3, 1]  # one statement (and transaction) a batch
    assert _keys(db) == {"fresh"} and _count(db, Case) == 8


def test_the_purge_reads_the_batch_off_the_index_not_the_table(db, user, now):
    """Its cost follows the keys it deletes: among 20,000 (PostgreSQL's statistics taken), a
    batch is a range of the index on created_at and its ids looked up in the primary key."""
    case = _keyed(db, user, "first", now)
    old = now - timedelta(days=2)
    row = {"owner": "user:0", "fingerprint": "", "case_id": case.id}
    rows = [{**row, "key": str(n), "created_at": old - timedelta(seconds=n)} for n in range(20_000)]
    with writing():
        db.session.execute(insert(IntakeKey), rows)
        db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ANALYZE intake_keys"))
        db.session.commit()
    sent = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.startswith("DELETE FROM intake_keys"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with writing():
            assert intake_keys.purge_expired(now, batch=100) == 100
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
        db.session.rollback()
    ((statement, parameters),) = sent
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    found = db.session.connection().exec_driver_sql(explain + statement, parameters)
    plan = " ".join(str(row[-1]) for row in found)
    db.session.rollback()
    if postgres:
        assert "Seq Scan" not in plan and "pk_intake_keys" in plan, plan
    else:
        assert "SCAN intake_keys" not in plan and "INTEGER PRIMARY KEY" in plan, plan
    assert "ix_intake_keys_created_at" in plan, plan


def test_the_purge_is_scheduled_hourly(app, db, user, monkeypatch):
    monkeypatch.setattr(scheduler, "_start_clock_watch", lambda *args: None)
    job = scheduler.build(app).get_job(scheduler.PURGE_KEYS_JOB)
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    _keyed(db, user, "old", utcnow() - timedelta(hours=25))
    _keyed(db, user, "fresh", utcnow())
    job.func(*job.args)  # as the scheduler runs it: its own app context, the clock's time
    assert _keys(db) == {"fresh"}


def _config_in_a_process(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOTLINE_INTAKE_KEY_HOURS": value}
    code = "import config; print(config.Config.INTAKE_KEY_HOURS)"
    run = [sys.executable, "-c", code]
    return subprocess.run(run, env=env, cwd=BASE_DIR, capture_output=True, text=True)


def test_the_setting_is_read_from_the_environment():
    assert _config_in_a_process("48").stdout.strip() == "48"
    bad = _config_in_a_process("a day")
    assert bad.returncode != 0 and "HOTLINE_INTAKE_KEY_HOURS" in bad.stderr
