"""Test databases: a temporary SQLite file, or a fresh database on the PostgreSQL server
named by HOTLINE_TEST_DATABASE_URL (created for the run and dropped after it)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from config import database_url


def test_server_url() -> str | None:
    return os.environ.get("HOTLINE_TEST_DATABASE_URL") or None


def is_postgres() -> bool:
    url = test_server_url()
    return bool(url) and url.startswith("postgres")


def _admin_conninfo(url: str) -> str:
    parsed = make_url(database_url(url))
    return parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


def create_database(tmp_dir: Path) -> str:
    """A new, empty database for this run; raises when the server is not there."""
    url = test_server_url()
    if not is_postgres():
        return f"sqlite:///{tmp_dir / 'hotline-test.db'}"
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(database_url(url)).set(database=name).render_as_string(hide_password=False)


def drop_database(app_url: str) -> None:
    if not app_url.startswith("postgresql"):
        return
    name = make_url(app_url).database
    with psycopg.connect(_admin_conninfo(app_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
