"""Dates and times at the calendar's edges (year 1 with a positive offset, year 9999 and
anything past 2999) are refused with the field named, wherever the hotline takes one:
none overflows into a 500, and none is stored to break the pages that show it."""

from __future__ import annotations

import pytest

from tests.api.test_bad_input import error_of

EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+00:00")


@pytest.mark.parametrize("since", EDGES)
def test_the_changes_feed_refuses_a_time_off_the_calendar(client, auth_header, since):
    answer = client.get(
        "/api/v1/changes", query_string={"since": since}, headers=auth_header("operator1")
    )
    assert answer.status_code == 422 and "since" in error_of(answer)["fields"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"to": "0001-01-01"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_statistics_refuse_a_day_off_the_calendar(client, auth_header, query, field):
    answer = client.get("/api/v1/stats", query_string=query, headers=auth_header("supervisor1"))
    assert answer.status_code == 422 and field in error_of(answer)["fields"]


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "9999-12-31T00:00:00+00:00"},
        {"end_date": "0001-01-10T00:00:00+00:00"},
        {"start_date": "0001-01-01T00:00:00+14:00"},
    ],
)
def test_open311_answers_the_specs_400_for_a_time_off_the_calendar(client, query):
    answer = client.get("/open311/v2/requests.json", query_string=query)
    assert answer.status_code == 400
    assert answer.json[0]["code"] == 400 and "years 1900 to 2999" in answer.json[0]["description"]


def test_bulk_archiving_refuses_a_day_off_the_calendar(login):
    operator = login("operator1")
    listed = operator.get("/desk/archive/?before=0001-01-01")
    assert listed.status_code == 422 and "2026-11-01" in listed.text  # how to write one
    archived = operator.post(
        "/desk/archive/before", data={"before": "0001-01-01"}, follow_redirects=True
    )
    assert archived.status_code == 200 and "2026-11-01" in archived.text


def test_a_far_extension_asked_on_the_page_is_refused_and_the_desks_still_open(
    login, make_case, db
):
    case = make_case("accepted")
    water = login("water1")
    asked = water.post(
        f"/cases/{case.number}/extend",
        data={"until": "9999-12-31T23:59", "reason": "需要很久"},
        follow_redirects=True,
    )
    assert "1900" in asked.text
    db.session.expire_all()
    assert case.extension_until is None
    for path in (f"/cases/{case.number}", "/cases/", "/desk/department"):
        assert water.get(path).status_code == 200, path
