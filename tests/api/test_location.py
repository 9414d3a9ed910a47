"""A case's coordinates (位置): given with the case through the API, kept in WGS84 degrees,
answered in its JSON and shown on its page."""

from __future__ import annotations

GOOD = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
    "address": "幸福路18号",
}


def test_coordinates_round_trip(client, auth_header):
    body = {**GOOD, "latitude": 39.9042, "longitude": 116.4074}
    created = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    assert created.status_code == 201, created.text
    assert (created.json["latitude"], created.json["longitude"]) == (39.9042, 116.4074)
    number = created.json["number"]
    read = client.get(f"/api/v1/cases/{number}", headers=auth_header("supervisor1")).json
    assert (read["latitude"], read["longitude"]) == (39.9042, 116.4074)


def test_a_case_without_coordinates_has_none(client, auth_header):
    created = client.post("/api/v1/cases", json=GOOD, headers=auth_header("operator1"))
    assert (created.json["latitude"], created.json["longitude"]) == (None, None)
    both_null = {**GOOD, "latitude": None, "longitude": None}
    created = client.post("/api/v1/cases", json=both_null, headers=auth_header("operator1"))
    assert created.status_code == 201 and created.json["latitude"] is None


def test_the_case_page_shows_the_coordinates(client, auth_header, login):
    body = {**GOOD, "latitude": 39.9042, "longitude": 116.4074}
    number = client.post("/api/v1/cases", json=body, headers=auth_header("operator1")).json[
        "number"
    ]
    page = login("supervisor1").get(f"/cases/{number}")
    assert page.status_code == 200
    assert "39.904200, 116.407400" in page.text
