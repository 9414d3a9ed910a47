"""SQLite writers: several processes take turns, and a request that wrote leaves no write
intent behind in its thread."""

from __future__ import annotations

import sqlite3
from functools import partial

import pytest
import requests
from sqlalchemy import func, select

from app.models import Case
from tests.livetools import at_once, token_for
from tests.servers import hotline_server

BODY = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
}


@pytest.fixture
def sqlite_path(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite runs only")
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_a_read_after_a_write_request_does_not_hold_the_write_lock(
    client, db, auth_header, sqlite_path
):
    created = client.post("/api/v1/cases", json=BODY, headers=auth_header("operator1"))
    assert created.status_code == 201
    # The same thread now only reads; another process must still be able to write.
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    other = sqlite3.connect(sqlite_path, timeout=0.5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_several_writer_processes_take_turns_without_locked_errors(app, db, sqlite_path):
    """Two server processes, forty intakes released at once: every one is stored."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    headers = {"Authorization": f"Bearer {token_for(app, 'operator1')}"}
    with hotline_server(url) as a, hotline_server(url) as b:

        def post(base: str) -> requests.Response:
            return requests.post(base + "/api/v1/cases", json=BODY, headers=headers, timeout=60)

        answers = at_once([partial(post, (a, b)[n % 2]) for n in range(40)])
    assert [answer.status_code for answer in answers] == [201] * 40, answers[0].text
    numbers = {answer.json()["number"] for answer in answers}
    assert len(numbers) == 40
    db.session.rollback()
    assert set(db.session.scalars(select(Case.number))) == numbers
