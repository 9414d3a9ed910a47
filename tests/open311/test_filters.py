"""GET requests' filters as the spec defines them: service_request_id (a list, overriding
the rest), service_code, start_date and end_date (at most 90 days; the last 90 by
default), status; bad filters are 400 in the spec's error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.open311.conftest import BASE, xml_of

WEEK = {"start_date": "2026-11-20T00:00:00+08:00", "end_date": "2026-11-27T00:00:00+08:00"}


def listed(client, **args) -> list[str]:
    answer = client.get(f"{BASE}/requests.json", query_string=args)
    assert answer.status_code == 200, answer.text
    return [r["service_request_id"] for r in answer.get_json()]


def test_service_request_ids_override_the_other_filters(client, make_case, now):
    a, b = make_case("dispatched"), make_case("closed")
    long_ago = make_case("dispatched", at=now - timedelta(days=400))
    ids = f"{a.number},{long_ago.number}, {b.number},R2000010100001"
    found = listed(client, service_request_id=ids, status="open", service_code="gas.leak")
    assert set(found) == {a.number, b.number, long_ago.number}


def test_service_code_filter_takes_one_or_several_codes(client, make_case):
    water = make_case("dispatched")
    gas = make_case("dispatched", category="gas.outage", description="没有燃气")
    assert listed(client, service_code="water.outage", **WEEK) == [water.number]
    assert listed(client, service_code="water.outage,gas.outage", **WEEK) == [
        gas.number,
        water.number,
    ]
    assert listed(client, service_code="roads.pothole", **WEEK) == []


def test_status_filter(client, make_case):
    open_case, closed, archived = make_case("replied"), make_case("closed"), make_case("archived")
    assert listed(client, status="open", **WEEK) == [open_case.number]
    assert listed(client, status="closed", **WEEK) == [archived.number, closed.number]
    assert len(listed(client, status="open,closed", **WEEK)) == 3


def test_date_range_is_on_the_requested_time(client, make_case, now):
    monday = make_case("dispatched")  # 2026-11-23 09:00 +08:00
    earlier = make_case("dispatched", at=now - timedelta(days=10))
    assert listed(client, **WEEK) == [monday.number]
    exact = {"start_date": "2026-11-23T09:00:00+08:00", "end_date": "2026-11-23T01:00:00Z"}
    assert listed(client, **exact) == [monday.number]  # both ends included, any offset
    assert listed(client, start_date="2026-11-01T00:00:00Z", end_date="2026-11-20T00:00:00Z") == [
        earlier.number
    ]
    # Only a start: 90 days from it; only an end: the 90 days before it.
    assert listed(client, start_date="2026-11-20T00:00:00+08:00") == [monday.number]
    assert listed(client, end_date="2026-11-20T00:00:00+08:00") == [earlier.number]


def test_without_dates_the_last_90_days(client, make_case, now):
    from app.models import utcnow

    recent = make_case("dispatched", at=utcnow() - timedelta(days=2))
    make_case("dispatched", at=utcnow() - timedelta(days=91))
    assert listed(client) == [recent.number]


def test_at_most_1000_newest_first(client, db, make_case, monkeypatch):
    from dispatch import open311

    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)  # the cap, without making 1001 cases
    numbers = [make_case("dispatched").number for _ in range(3)]
    assert listed(client, **WEEK) == numbers[:0:-1]


BAD = [
    ({"status": "pending"}, "status"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2026-11-01T00:00:00"}, "start_date"),  # no offset
    ({"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
    ({"service_code": "no.such"}, "service_code"),
    ({"service_code": "water\x00"}, "service_code"),
]


@pytest.mark.parametrize("args, named", BAD)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400(client, args, named, fmt):
    answer = client.get(f"{BASE}/requests.{fmt}", query_string=args)
    assert answer.status_code == 400
    if fmt == "json":
        errors = answer.get_json()
        assert all(e["code"] == 400 for e in errors)
        assert any(named in e["description"] for e in errors)
    else:
        root = xml_of(answer)
        assert root.tag == "errors"
        assert any(named in e.findtext("description") for e in root.iter("error"))


def test_a_filter_given_several_times_is_one_list(client, make_case):
    water = make_case("dispatched")
    gas = make_case("dispatched", category="gas.outage", description="没有燃气")
    answer = client.get(
        f"{BASE}/requests.json?service_code=water.outage&service_code=gas.outage"
        "&start_date=2026-11-20T00:00:00%2B08:00&end_date=2026-11-27T00:00:00%2B08:00"
    )
    assert [r["service_request_id"] for r in answer.get_json()] == [gas.number, water.number]
