"""The PostgreSQL pool's size comes from HOTLINE_DB_POOL_SIZE and HOTLINE_DB_MAX_OVERFLOW,
and the case numbers' pool follows it (operators size both against max_connections)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app import _engine_options, create_app
from app.extensions import db as _db
from config import TestingConfig
from dispatch import numbering

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def test_the_pool_settings_reach_a_postgresql_engine():
    options = _engine_options(
        {"SQLALCHEMY_DATABASE_URI": PG, "DB_POOL_SIZE": 3, "DB_MAX_OVERFLOW": 2}
    )
    assert options["pool_size"] == 3 and options["max_overflow"] == 2
    assert options["pool_timeout"] == 5 and options["connect_args"]["connect_timeout"] == 2


def test_sqlite_takes_no_pool_settings():
    options = _engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.db", "DB_POOL_SIZE": 3})
    assert "pool_size" not in options and "max_overflow" not in options


def test_the_numbering_pool_has_the_main_pool_size(db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL runs only: SQLite numbers in the intake's own transaction")
    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, DB_POOL_SIZE=3, DB_MAX_OVERFLOW=2
    )
    with app.app_context():
        try:
            assert _db.engine.pool.size() == 3
            numbering.allocate("T", date(2026, 12, 1))  # the db fixture clears it
            own = next(iter(app.extensions["hotline_numbering"].values())).engine
            assert own.pool.size() == 3 and own.pool._max_overflow == 2
        finally:
            _db.session.rollback()
            _db.engine.dispose()
            numbering.dispose()


def test_case_ids_come_from_the_sequence_the_schema_gives_them(db, database_url, make_case):
    """Numbering takes the new case's id from the sequence of cases.id, whatever its name."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL runs only: SQLite gives the id at the case's insert")
    db.session.commit()
    numbering.dispose()
    db.session.execute(text("ALTER SEQUENCE cases_id_seq RENAME TO case_ids"))
    db.session.commit()
    try:
        first, second = make_case(), make_case()
        assert second.id == first.id + 1
        assert db.session.scalar(text("SELECT last_value FROM case_ids")) == second.id
    finally:
        db.session.rollback()
        numbering.dispose()
        db.session.execute(text("ALTER SEQUENCE case_ids RENAME TO cases_id_seq"))
        db.session.commit()
