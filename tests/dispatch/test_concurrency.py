"""Many requests at the same instant, through a real threaded HTTP server: intakes never
collide, and of fifty dispatches or transfers of one case exactly one wins."""

from __future__ import annotations

from functools import partial

import pytest
import requests
from sqlalchemy import func, select

from app.models import Case, CaseEvent, OutboxMessage
from tests.livetools import at_once, live_server, token_for

THREADS = 50
DEPARTMENTS = [
    "water",
    "gas",
    "heating",
    "drainage",
    "roads",
    "housing",
    "appearance",
    "construction",
]


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


def test_fifty_concurrent_intakes_get_fifty_distinct_numbers(server, db):
    live_app, base = server
    headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
    body = {
        "channel": "phone",
        "caller_phone": "13812341234",
        "category": "water.outage",
        "description": "停水",
    }
    answers = at_once(
        [lambda: requests.post(base + "/api/v1/cases", json=body, headers=headers, timeout=60)]
        * THREADS
    )
    assert [a.status_code for a in answers] == [201] * THREADS, [a.text for a in answers][:3]
    numbers = {a.json()["number"] for a in answers}
    assert len(numbers) == THREADS
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == THREADS


RETRIED = {
    "channel": "phone",
    "caller_phone": "13812345678",
    "category": "water.outage",
    "description": "重试",
}
# A transfer in (联动转办) is once per reference too: racing under one key, its losers
# still answer the winner's case, and no receipt goes out (the other hotline texts).
TRANSFER_IN = {**RETRIED, "channel": "transfer", "source_hotline": "12345", "external_ref": "R-1"}


@pytest.mark.parametrize(("body", "receipts"), [(RETRIED, 1), (TRANSFER_IN, 0)])
def test_fifty_intakes_under_one_key_register_one_case(server, db, body, receipts):
    """A client's retries racing each other (重复提交保护): one case, its one receipt, and
    every answer names it."""
    live_app, base = server
    headers = {
        "Authorization": f"Bearer {token_for(live_app, 'operator1')}",
        "Idempotency-Key": "retry-race-1",
    }
    answers = at_once(
        [lambda: requests.post(base + "/api/v1/cases", json=body, headers=headers, timeout=60)]
        * THREADS
    )
    assert [a.status_code for a in answers] == [201] * THREADS, [a.text for a in answers][:3]
    assert len({a.json()["number"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == THREADS - 1
    db.session.rollback()
    case = db.session.scalars(select(Case).where(Case.description == "重试")).one()
    sent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.case_id == case.id)
    assert db.session.scalar(sent) == receipts


def _race(server, db, number: str, action: str, username: str, exclude: str = "") -> None:
    live_app, base = server
    headers = {"Authorization": f"Bearer {token_for(live_app, username)}"}
    url = f"{base}/api/v1/cases/{number}/{action}"

    def post(dept: str) -> requests.Response:
        body = {"department": dept, "reason": "不是我们的"}
        return requests.post(url, json=body, headers=headers, timeout=60)

    # A transfer to the case's own department is bad input (422), not a lost race.
    targets = [code for code in DEPARTMENTS if code != exclude]
    calls = [partial(post, targets[n % len(targets)]) for n in range(THREADS)]
    answers = at_once(calls)
    winners = [a for a in answers if a.status_code == 200]
    losers = [a for a in answers if a.status_code != 200]
    assert len(winners) == 1, [a.text for a in answers][:3]
    winner_dept = winners[0].json()["department"]
    assert {a.status_code for a in losers} == {409}
    for loser in losers:
        assert loser.json()["error"]["code"] == "invalid_transition"
        assert winner_dept in loser.json()["error"]["message"]
    db.session.rollback()
    case = db.session.scalars(select(Case).where(Case.number == number)).one()
    assert case.department.code == winner_dept
    moves = db.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == action)
    )
    assert moves == 1


def test_fifty_dispatches_of_one_case_one_wins(server, db, make_case):
    case = make_case("registered")
    _race(server, db, case.number, "dispatch", "operator1")


def test_fifty_transfers_of_one_case_one_wins(server, db, make_case):
    case = make_case("accepted")
    _race(server, db, case.number, "transfer", "supervisor1", exclude=case.department.code)
