"""GET /api/v1/stats: figures as the service counts them, who sees what, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_openapi import conforms


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def two_departments(make_case):
    make_case("closed", at=local(20, 10))  # water
    make_case("dispatched", at=local(21, 10))  # water
    make_case("dispatched", at=local(21, 11), category="gas.outage", district="西城区")
    make_case("closed", at=local(10, 10))  # the previous period (8 to 14 Nov)


def test_totals_rows_and_the_previous_period(client, auth_header, two_departments):
    answer = client.get(
        "/api/v1/stats?from=2026-11-15&to=2026-11-21&by=department",
        headers=auth_header("supervisor1"),
    )
    assert answer.status_code == 200
    body = answer.json
    conforms(body, "Stats")
    assert (body["from"], body["to"], body["by"]) == ("2026-11-15", "2026-11-21", "department")
    assert body["totals"]["received"] == 3 and body["totals"]["closed"] == 1
    assert body["totals"]["closure_rate"] == 0.3333
    assert {r["key"]: r["received"] for r in body["rows"]} == {"water": 2, "gas": 1}
    assert body["previous"]["from"] == "2026-11-08" and body["previous"]["to"] == "2026-11-14"
    assert body["previous"]["totals"]["received"] == 1


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "admin"])
def test_operators_supervisors_and_admins_see_every_department(
    client, auth_header, two_departments, username
):
    body = client.get(
        "/api/v1/stats?from=2026-11-15&to=2026-11-21", headers=auth_header(username)
    ).json
    assert body["totals"]["received"] == 3


def test_a_handler_sees_only_its_department(client, auth_header, two_departments):
    gas = client.get(
        "/api/v1/stats?from=2026-11-15&to=2026-11-21&by=district", headers=auth_header("gas1")
    ).json
    assert gas["totals"]["received"] == 1
    assert [(r["key"], r["received"]) for r in gas["rows"]] == [("西城区", 1)]
    water = client.get(
        "/api/v1/stats?from=2026-11-15&to=2026-11-21&by=department", headers=auth_header("water1")
    ).json
    assert [r["key"] for r in water["rows"]] == ["water"]
    assert water["previous"]["totals"]["received"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01&to=2026-11-21", "from"),
        ("from=2026-11-01&to=yesterday", "to"),
        ("from=20261101&to=2026-11-21", "from"),
        ("from=2026-11-01&to=2026-11-21&by=week", "by"),
        ("from=2026-11-22&to=2026-11-21", "from"),
        ("from=2010-01-01&to=2026-11-21", "to"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, auth_header, query, field):
    answer = client.get(f"/api/v1/stats?{query}", headers=auth_header("supervisor1"))
    assert answer.status_code == 422
    assert field in answer.json["error"]["fields"]
    conforms(answer.json, "Error")


def test_without_a_token_it_is_401(client):
    assert client.get("/api/v1/stats").status_code == 401


def test_without_dates_the_last_30_days(client, auth_header):
    body = client.get("/api/v1/stats", headers=auth_header("operator1")).json
    start, end = (datetime.fromisoformat(body[k]) for k in ("from", "to"))
    assert (end - start).days == 29
