"""Registration writes its rows directly (app/models/direct.py), not through the unit of
work: what it stores must be exactly what the object says, the object must behave as a
loaded persistent case afterwards, and nothing may be written twice or left out."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime

import pytest
from psycopg import pq
from sqlalchemy import event, func, inspect, select

from app.models import (
    Action,
    Case,
    CaseAssist,
    CaseEvent,
    OutboxMessage,
    StatsDelta,
    Status,
    direct,
)
from app.models.direct import row_of
from app.sqlite import writing
from dispatch import intake, lifecycle, numbering, routing_rules
from tests import dbserver
from tests.factories import DEFAULT_CASE

BODY = DEFAULT_CASE  # what the factories register


def statements_during(db, work) -> list[str]:
    """The statements sent on the session's connection while `work` runs (on PostgreSQL
    read off libpq's trace of the protocol: registration sends some to the driver itself)."""
    if db.engine.dialect.name == "postgresql":
        return _sent_to_postgresql(db, work)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def _sent_to_postgresql(db, work) -> list[str]:
    """What the session's connection (if it holds one) and every connection that the
    engine's pool lends while `work` runs were sent, in one trace (one thread: in order)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as trace:
        traced: list = []

        def follow(driver, *_lent_by_the_pool) -> None:
            traced.append((driver, driver.prepare_threshold))
            driver.prepare_threshold = None  # the text every time
            driver.pgconn.trace(trace.fileno())
            driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

        if direct.holds_connection(db.session()):
            follow(db.session.connection().connection.dbapi_connection)
        event.listen(db.engine.pool, "checkout", follow)
        try:
            work()
        finally:
            event.remove(db.engine.pool, "checkout", follow)
            for driver, threshold in traced:
                driver.pgconn.untrace()
                driver.prepare_threshold = threshold
        trace.seek(0)
        sent = [line.split("\t", 3) for line in trace.read().splitlines()]
    # the client's Parse (extended protocol) and Query (simple) messages carry the text
    return [
        fields[3].split('"', 4)[3] if fields[2] == "Parse" else fields[3].strip()[1:-1]
        for fields in sent
        if fields[0] == "F" and fields[2] in ("Parse", "Query")
    ]


def test_the_stored_row_is_the_registered_object(db, user, now):
    with writing():
        case = intake.register_case(BODY, user("operator1"), now)
        columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
        # Persistent, clean, every column loaded: reading it again costs no statement.
        assert case in db.session and case not in db.session.dirty
        assert statements_during(db, lambda: [getattr(case, k) for k in columns]) == []
        db.session.commit()

    db.session.expire_all()
    stored = db.session.execute(select(Case.__table__).where(Case.id == case.id)).mappings().one()
    assert dict(stored) == columns
    assert stored["status"] == Status.DISPATCHED and stored["department_id"] is not None
    assert stored["number"].startswith("R") and stored["created_at"] == now


def test_the_history_and_the_delta_are_written_once(db, user, now):
    with writing():
        case = intake.register_case(BODY, user("operator1"), now)
        db.session.commit()
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        (Action.REGISTER, None, Status.REGISTERED),
        (Action.DISPATCH, Status.REGISTERED, Status.DISPATCHED),
    ]
    assert events[0].actor.username == "operator1" and events[0].data["channel"] == "phone"
    assert events[1].data["department"] == case.department.code
    assert db.session.scalar(select(func.sum(StatsDelta.received))) == 1


def test_a_failed_registration_leaves_no_row(db, user, now):
    before = db.session.scalar(select(func.count(Case.id)))
    with writing(), pytest.raises(Exception):  # noqa: B017 — any refusal
        intake.register_case({**BODY, "category": "nope"}, user("operator1"), now)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Case.id))) == before
    assert db.session.scalar(select(func.count(StatsDelta.id))) == 0


def test_assisting_departments_follow_at_the_commit(db, user, now):
    db.session.commit()
    with writing():
        rule = {"name": "漏水交供水", "department": "water", "keywords": "漏水"}
        routing_rules.save_rule({**rule, "assist": ["housing"]}, None, now)
        db.session.commit()
    with writing():
        body = {**BODY, "category": "consult", "description": "楼上漏水到我家"}
        case = intake.register_case(body, user("operator1"), now)
        db.session.commit()
    assists = db.session.scalars(select(CaseAssist).where(CaseAssist.case_id == case.id)).all()
    assert [a.department.code for a in assists] == ["housing"]
    assert case.department.code == "water"


def test_a_computed_default_must_be_set(db):
    with pytest.raises(ValueError, match="CaseEvent.created_at must be set"):
        row_of(CaseEvent(case_id=1, action="register", to_status="registered", data={}))


def test_a_scalar_default_is_filled_in_and_kept_on_the_object(db, now):
    event_row = row_of(
        CaseEvent(case_id=1, action="register", to_status="registered", data={}, created_at=now)
    )
    assert event_row["actor_id"] is None and event_row["from_status"] is None
    case = Case(number="X", channel="phone", created_at=now, category_id=1)
    row = row_of(case)
    assert row["status"] == Status.REGISTERED and case.status == Status.REGISTERED
    assert row["caller_name"] == "" and case.escalation_level == 0 and row["due_at"] is None


def test_the_receipt_is_written_once_under_the_cases_own_key(db, user, now):
    registered: list[Case] = []
    with writing():
        seen = statements_during(
            db, lambda: registered.append(intake.register_case(BODY, user("operator1"), now))
        )
        db.session.commit()
    (case,) = registered
    texts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert [(t.idempotency_key, t.to_phone) for t in texts] == [
        (f"case:{case.id}:receipt:0", "+8613812341234")
    ]
    assert case.number in texts[0].body
    inserts = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "WITH"))]
    if db.engine.dialect.name == "postgresql":
        # numbering took the id (on its own connection): case, history, delta and receipt
        # go in one statement
        assert len(inserts) == 1 and "outbox_messages" in inserts[0]


def test_an_object_built_without_events_refuses_an_unknown_attribute(db, now):
    with pytest.raises(TypeError, match="Case has no attribute colour"):
        direct.new(Case, number="X", colour="red")
    case = direct.new(Case, number="X", channel="phone", created_at=now, category_id=1)
    with pytest.raises(TypeError, match="Case has no attribute nmber"):
        direct.fill(case, nmber="Y")
    direct.fill(case, number="Y")
    assert row_of(case)["number"] == "Y" and case.number == "Y"


def test_a_registered_case_acted_on_before_the_commit_stores_both(db, user, now):
    """Its attributes were set without events; a change after that is an ordinary update."""
    with writing():
        case = intake.register_case(BODY, user("operator1"), now)
        lifecycle.act(case, Action.ACCEPT, user("water1"), now, {})
        db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.status == Status.ACCEPTED and stored.accepted_at == now
    assert stored.department.code == "water" and stored.number == case.number


def test_the_intake_commit_leaves_the_case_loaded(db, user, now):
    session = db.session()
    with writing():
        case = intake.register_case(BODY, user("operator1"), now)
        direct.commit_keeping_loaded(session)
    assert statements_during(db, lambda: (case.number, case.status, case.due_at)) == []
    assert session.expire_on_commit is True  # for this session's next transactions
    with writing():
        case.caller_name = "王先生"
        session.commit()
    assert "caller_name" not in inspect(case).dict  # expired as usual again


def test_a_naive_time_is_refused_rather_than_written_without_its_offset():
    aware = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert (
        direct._json([{"at": aware, 7: "key"}]) == '[{"at":"2026-11-23T01:00:00+00:00","7":"key"}]'
    )
    with pytest.raises(ValueError, match="naive datetime"):
        direct._json([{"at": aware.replace(tzinfo=None)}])


@pytest.mark.skipif(not dbserver.is_postgres(), reason="SQLite writes in-process, no round trips")
def test_a_registration_that_is_the_whole_transaction_commits_in_its_one_statement(db, user, now):
    """The API's registration (commits_next) in a session that holds no connection: its
    number and its one statement on one connection of the pool's, each committing itself
    (no BEGIN, no COMMIT); the connection goes back as it was lent, and the case stays
    out of the session."""
    operator = user("operator1")
    intake.register_case(BODY, operator, now)  # the reference snapshots are loaded
    direct.commit_keeping_loaded(db.session())  # the operator stays loaded: no reads
    registered: list[Case] = []
    given_back: list[bool] = []

    def register():
        registered.append(intake.register_case(BODY, operator, now, commits_next=True))
        direct.commit_keeping_loaded(db.session())  # as the API commits

    def checked_in(driver, _record) -> None:
        given_back.append(driver.autocommit)

    event.listen(db.engine.pool, "checkin", checked_in)
    try:
        numbered, written = statements_during(db, register)
    finally:
        event.remove(db.engine.pool, "checkin", checked_in)
    assert "synchronous_commit" in numbered and "case_number_counters" in numbered
    assert written.startswith("WITH new_parent") and "outbox_messages" in written
    assert given_back == [False]  # one connection, back as it was lent
    (case,) = registered
    assert case not in db.session and case.number.startswith("R") and case.id is not None
    stored = db.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id))
    assert list(stored) == [Action.REGISTER, Action.DISPATCH]
    texts = db.session.scalar(select(func.count()).where(OutboxMessage.case_id == case.id))
    assert texts == 1


@pytest.mark.skipif(not dbserver.is_postgres(), reason="SQLite writes in-process, no round trips")
def test_a_registration_after_other_statements_or_with_assists_commits_as_usual(db, user, now):
    operator = user("operator1")
    db.session.commit()
    with writing():  # a rule that gives the water department housing as assistant
        rule = {"name": "漏水交供水", "department": "water", "keywords": "漏水"}
        routing_rules.save_rule({**rule, "assist": ["housing"]}, None, now)
        db.session.commit()
    leaking = {**BODY, "category": "consult", "description": "楼上漏水到我家"}
    intake.register_case(leaking, operator, now)  # the snapshots are loaded
    direct.commit_keeping_loaded(db.session())

    def register(body: dict, before: str) -> tuple[list[str], Case]:
        registered: list[Case] = []

        def work():
            if before == "a read":
                db.session.scalar(select(func.count(Case.id)))
            elif before == "a change":  # made, not yet flushed: it commits with the case
                operator.display_name = "接线员一号"
            registered.append(intake.register_case(body, operator, now, commits_next=True))
            direct.commit_keeping_loaded(db.session())  # as the API commits

        return statements_during(db, work), registered[0]

    for body, before in ((BODY, "a read"), (BODY, "a change"), (leaking, "nothing")):
        sent, case = register(body, before)
        assert sent[0] == "BEGIN" and sent[-1] == "COMMIT"  # the statement inside
        assert any(s.startswith("UPDATE users") for s in sent) is (before == "a change")
        assists = db.session.scalars(select(CaseAssist).where(CaseAssist.case_id == case.id))
        assert [a.department.code for a in assists] == (["housing"] if body is leaking else [])
        direct.commit_keeping_loaded(db.session())  # the next one begins its own


@pytest.mark.skipif(not dbserver.is_postgres(), reason="SQLite numbers in the intake's transaction")
def test_the_number_commits_without_waiting_for_the_disk_and_the_connection_stays_durable(db):
    """The upsert sets synchronous_commit off for its own transaction only: the
    registration's statement after it on the same connection commits durably."""
    with direct.lent_connection(db.engine, autocommit=True) as lent:
        first = numbering.allocate("T", date(2026, 12, 1), lent)
        own = numbering._own_pool(db.engine)
        (_value, _id, during) = lent.fetch_one(own.sql, ("T", date(2026, 12, 1)))
        (after,) = lent.fetch_one("SHOW synchronous_commit", ())
    assert first[0] == "T2026120100001" and during == "off" and after == "on"
