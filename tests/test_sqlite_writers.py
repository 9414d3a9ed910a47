"""SQLite writers: a request that wrote leaves no write intent behind in its thread."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from app.models import Case

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
