"""Fixtures: one migrated database per run (SQLite or PostgreSQL), demo reference data,
and a clean slate of cases after every test. Tests commit for real."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import delete, select, text, update

from app import create_app
from app import demo as demo_data
from app.auth import issue_token
from app.extensions import db as _db
from app.models import (
    ApiToken,
    AuditEntry,
    CalendarOverride,
    Call,
    Case,
    CaseAssist,
    CaseAttachment,
    CaseEscalation,
    CaseEvent,
    CaseNumberCounter,
    CasePause,
    DeadlinePolicy,
    InboundSms,
    IntakeKey,
    Open311Key,
    OutboxMessage,
    ReferenceVersion,
    RollupState,
    RoutingRule,
    SmsOptOut,
    SmsSenderPace,
    SmsStatusCallback,
    SmsTemplate,
    StatsDaily,
    StatsDelta,
    SupervisionNotice,
    User,
    WebSession,
)
from app.models.routing import routing_rule_assists
from app.sqlite import writing
from config import TestingConfig
from dispatch import numbering
from notifications import templates
from tests import dbserver

CASE_TABLES = [
    AuditEntry,
    RollupState,
    StatsDaily,
    StatsDelta,
    CaseAttachment,
    CasePause,
    Call,
    InboundSms,
    SmsStatusCallback,
    SmsOptOut,
    SmsTemplate,
    SmsSenderPace,
    OutboxMessage,
    SupervisionNotice,
    CaseEscalation,
    IntakeKey,
    CaseEvent,
    CaseAssist,
    Case,
    CaseNumberCounter,
    ApiToken,
    WebSession,
    Open311Key,
]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    try:
        url = dbserver.create_database(tmp_path_factory.mktemp("db"))
    except Exception as exc:  # in CI a missing server is a failure, never a skip
        pytest.exit(f"test database server unavailable: {exc}", returncode=3)
    yield url
    dbserver.drop_database(url)


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=False)

    def _who_anew():
        # Tests hold an app context, which Flask lends to every test-client request: the
        # user Flask-Login keeps in `g` would carry over to another client's request.
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, _who_anew)  # before g.user is set

    with app.app_context(), writing():
        upgrade()
        demo_data.seed()
        _db.session.execute(delete(AuditEntry))  # the seed's own records: each test starts empty
        _db.session.commit()
        app.config["DEMO_USERS"] = _demo_users()
        app.config["DEMO_USER_IDS"] = set(app.config["DEMO_USERS"])
        app.config["REFERENCE_VERSIONS"] = _reference_versions()
        app.config["DEMO_RULE_IDS"] = set(_db.session.scalars(select(RoutingRule.id)))
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
        numbering.dispose()


@pytest.fixture
def db(app):
    """The database in an app context; everything a test wrote is removed after it."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _clean(app)
        _db.session.remove()
        app.extensions["hotline_limits"].reset()  # the public pages' rate limits


def _clean(app) -> None:
    with writing():
        if _db.engine.dialect.name == "postgresql":
            names = ", ".join(model.__tablename__ for model in CASE_TABLES)
            _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for model in CASE_TABLES:
                _db.session.execute(delete(model))
        _db.session.execute(delete(User).where(User.id.not_in(app.config["DEMO_USER_IDS"])))
        _restore_demo_users(app.config["DEMO_USERS"])
        _clean_rules(app.config["DEMO_RULE_IDS"])
        _db.session.commit()
    templates.forget()
    if _reference_versions() != app.config["REFERENCE_VERSIONS"]:
        _reset_reference(app)


_DEMO_USER_COLUMNS = (
    "active",
    "password_hash",
    "password_change_required",
    "role",
    "department_id",
    "display_name",
    "phone",
)


def _demo_users() -> dict[int, dict]:
    columns = [getattr(User, name) for name in _DEMO_USER_COLUMNS]
    rows = _db.session.execute(select(User.id, *columns))
    return {row[0]: dict(zip(_DEMO_USER_COLUMNS, row[1:], strict=True)) for row in rows}


def _restore_demo_users(saved: dict[int, dict]) -> None:
    """A test disabled, edited or changed the password of a demo user: as seeded again."""
    for user_id, now in _demo_users().items():
        if user_id in saved and now != saved[user_id]:
            _db.session.execute(update(User).where(User.id == user_id).values(saved[user_id]))


def _reference_versions() -> dict[str, int]:
    return dict(_db.session.execute(select(ReferenceVersion.name, ReferenceVersion.version)).all())


def _reset_reference(app) -> None:
    """A test changed the calendar or the policies: back to the demo's (the cache notices)."""
    from dispatch import reference

    with writing():
        _db.session.execute(delete(CalendarOverride))
        _db.session.execute(delete(DeadlinePolicy))
        reference.bump(reference.CALENDAR, datetime.now(UTC))
        demo_data.seed_policies()
        _db.session.commit()
    app.config["REFERENCE_VERSIONS"] = _reference_versions()


def _clean_rules(demo_ids: set[int]) -> None:
    """Only the demo routing rules stay, switched on; processes compile them again."""
    from dispatch import routing

    _db.session.execute(
        delete(routing_rule_assists).where(routing_rule_assists.c.rule_id.not_in(demo_ids))
    )
    _db.session.execute(delete(RoutingRule).where(RoutingRule.id.not_in(demo_ids)))
    _db.session.execute(update(RoutingRule).values(active=True))
    routing.note_change()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def now():
    """A fixed Monday morning in Beijing: 2026-11-23 09:00 +08:00."""
    return datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def user(db):
    def find(username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    return find


@pytest.fixture
def auth_header(db, user):
    """Bearer headers for a demo user, e.g. auth_header('operator1')."""
    cache: dict[str, dict] = {}

    def header(username: str) -> dict:
        if username not in cache:
            with writing():
                token = issue_token(user(username))
                db.session.commit()
            cache[username] = {"Authorization": f"Bearer {token}"}
        return cache[username]

    return header


@pytest.fixture
def make_case(db, user, now):
    from tests.factories import case_factory

    return case_factory(user, now)


@pytest.fixture
def login(app, db):
    """A test client logged in through the real login form as a demo user."""

    def log_in(username: str, password: str = "hotline-demo"):
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": password})
        assert answer.status_code == 302, answer.text
        return client

    return log_in
