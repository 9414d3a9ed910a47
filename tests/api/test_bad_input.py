"""Bad input of every kind the API takes gets the documented error and writes nothing."""

from __future__ import annotations

import pytest

GOOD = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
}


def error_of(answer) -> dict:
    assert answer.is_json, answer.text
    body = answer.json
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"channel": "fax"}, "channel"),
        ({"channel": 3}, "channel"),
        ({"caller_phone": "12"}, "caller_phone"),
        ({"caller_phone": "phone"}, "caller_phone"),
        ({"caller_phone": "+999 1234"}, "caller_phone"),
        ({"caller_phone": 13812341234}, "caller_phone"),
        ({"caller_phone": None}, "caller_phone"),
        ({"caller_phone": ["13812341234"]}, "caller_phone"),
        ({"category": "nope"}, "category"),
        ({"category": None}, "category"),
        ({"category": {"code": "water"}}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": 42}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "\ud800"}, "description"),
        ({"caller_name": "名" * 101}, "caller_name"),
        ({"caller_name": ["a"]}, "caller_name"),
        ({"address": "路" * 201}, "address"),
        ({"district": True}, "district"),
        ({"priority": "asap"}, "priority"),
        ({"external_ref": "r" * 65}, "external_ref"),
        ({"latitude": 39.9}, "latitude"),  # without its longitude
        ({"latitude": 39.9, "longitude": None}, "latitude"),
        ({"latitude": "39.9", "longitude": "116.4"}, "latitude"),  # text, not numbers
        ({"latitude": True, "longitude": 116.4}, "latitude"),
        ({"latitude": 90.5, "longitude": 116.4}, "latitude"),
        ({"latitude": 39.9, "longitude": -180.1}, "latitude"),
        ({"latitude": [39.9], "longitude": 116.4}, "latitude"),
        ({"latitude": 1e400, "longitude": 116.4}, "latitude"),  # parsed as infinity
    ],
)
def test_a_bad_field_is_a_422_naming_it(client, auth_header, counts, change, field):
    before = counts()
    answer = client.post("/api/v1/cases", json={**GOOD, **change}, headers=auth_header("operator1"))
    assert answer.status_code == 422
    assert field in error_of(answer)["fields"]
    assert counts() == before


def test_a_coordinate_that_is_not_a_number_is_a_422(client, auth_header, counts):
    before = counts()
    headers = {**auth_header("operator1"), "Content-Type": "application/json"}
    body = b'{"channel": "phone", "caller_phone": "13812341234", "category": "water.outage", '
    body += b'"description": "x", "latitude": NaN, "longitude": 116.4}'
    answer = client.post("/api/v1/cases", data=body, headers=headers)
    assert answer.status_code == 422 and "latitude" in error_of(answer)["fields"]
    assert counts() == before


@pytest.mark.parametrize("missing", ["channel", "caller_phone", "category", "description"])
def test_a_missing_field_is_named(client, auth_header, counts, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    answer = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    assert answer.status_code == 422 and missing in error_of(answer)["fields"]
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "data",
    [b"{bad json", b"[1, 2]", b'"text"', b"\xff\xfe\x00garbage", b"{" * 10000 + b"}" * 10000],
)
def test_a_malformed_body_is_a_400(client, auth_header, counts, data):
    headers = {**auth_header("operator1"), "Content-Type": "application/json"}
    answer = client.post("/api/v1/cases", data=data, headers=headers)
    assert answer.status_code == 400
    error_of(answer)
    assert counts() == (0, 0)


def test_a_body_too_large_is_refused_cleanly(client, auth_header, counts):
    body = {**GOOD, "description": "x" * (3 * 1024 * 1024)}
    answer = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    assert answer.status_code == 413
    error_of(answer)
    assert counts() == (0, 0)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer hl_wrong", "Basic abc", "Token x"])
def test_no_or_a_wrong_token_is_a_401(client, counts, header):
    headers = {"Authorization": header} if header else {}
    answer = client.post("/api/v1/cases", json=GOOD, headers=headers)
    assert answer.status_code == 401 and error_of(answer)["code"] == "unauthorized"
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert counts() == (0, 0)


def test_a_handler_may_not_register_cases(client, auth_header, counts):
    answer = client.post("/api/v1/cases", json=GOOD, headers=auth_header("water1"))
    assert answer.status_code == 403
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=%C2%B2", "page"),  # ², a digit to isdigit()
        ("page=%D9%A3", "page"),  # ٣, an Arabic-Indic three, which int() reads
        ("page=1_0", "page"),
        ("per_page=99999999999999999999999", "per_page"),
        ("per_page=1000", "per_page"),
        ("status=bogus", "status"),
        ("department=nope", "department"),
        ("category=nope", "category"),
        ("phone=12", "phone"),
        ("overdue=maybe", "overdue"),
    ],
)
def test_bad_list_queries_are_422(client, auth_header, query, field):
    answer = client.get(f"/api/v1/cases?{query}", headers=auth_header("operator1"))
    assert answer.status_code == 422 and field in error_of(answer)["fields"]


@pytest.mark.parametrize(
    "status, action, who, params, field",
    [
        ("accepted", "reply", "water1", {}, "text"),
        ("accepted", "reply", "water1", {"text": 5}, "text"),
        ("accepted", "transfer", "supervisor1", {"reason": "x"}, "department"),
        ("accepted", "transfer", "supervisor1", {"department": "gas"}, "reason"),
        (
            "accepted",
            "transfer",
            "supervisor1",
            {"department": "nope", "reason": "x"},
            "department",
        ),
        ("reviewing", "rework", "operator1", {}, "reason"),
        ("reviewing", "rework", "supervisor1", {"reason": "  "}, "reason"),
        ("reviewing", "rework", "operator1", {"reason": ["x"]}, "reason"),
        ("replied", "callback", "operator1", {}, "satisfied"),
        ("replied", "callback", "operator1", {"satisfied": "perhaps"}, "satisfied"),
        (
            "accepted",
            "extend",
            "water1",
            {"until": "2020-01-01T00:00:00+08:00", "reason": "x"},
            "until",
        ),
        ("accepted", "extend", "water1", {"until": "2027-01-01T00:00:00", "reason": "x"}, "until"),
        ("accepted", "extend", "water1", {"until": "soon", "reason": "x"}, "until"),
        # the calendar's edges: overflow in UTC, or beyond what is shown and counted
        (
            "accepted",
            "extend",
            "water1",
            {"until": "9999-12-31T23:59:59-14:00", "reason": "x"},
            "until",
        ),
        (
            "accepted",
            "extend",
            "water1",
            {"until": "9999-12-31T23:59:59+00:00", "reason": "x"},
            "until",
        ),
        (
            "accepted",
            "supervise",
            "supervisor1",
            {"note": "x", "answer_by": "9999-12-31T23:59:59+00:00"},
            "answer_by",
        ),
        (
            "accepted",
            "supervise",
            "supervisor1",
            {"note": "x", "answer_by": "0001-01-01T00:00:00+14:00"},
            "answer_by",
        ),
        (
            "accepted",
            "pause",
            "water1",
            {"reason": "x", "until": "9999-12-31T00:00:00+08:00"},
            "until",
        ),
        ("registered", "mark_duplicate", "operator1", {"of": "R0"}, "of"),
        ("registered", "dispatch", "operator1", {"department": "water", "assist": "x"}, "assist"),
        ("registered", "dispatch", "operator1", {}, "department"),
    ],
)
def test_bad_action_parameters_are_422_and_change_nothing(
    client, auth_header, make_case, counts, status, action, who, params, field
):
    case = make_case(status)
    before = counts()
    answer = client.post(
        f"/api/v1/cases/{case.number}/{action}", json=params, headers=auth_header(who)
    )
    assert answer.status_code == 422, answer.json
    assert field in error_of(answer)["fields"]
    assert counts() == before


def test_a_case_cannot_duplicate_itself(client, auth_header, make_case):
    case = make_case("registered")
    answer = client.post(
        f"/api/v1/cases/{case.number}/mark_duplicate",
        json={"of": case.number},
        headers=auth_header("operator1"),
    )
    assert answer.status_code == 422 and "of" in error_of(answer)["fields"]


def test_an_unknown_action_or_case(client, auth_header, make_case):
    case = make_case()
    unknown = client.post(f"/api/v1/cases/{case.number}/explode", headers=auth_header("operator1"))
    assert unknown.status_code == 422 and "action" in error_of(unknown)["fields"]
    missing = client.post("/api/v1/cases/R2026010100001/accept", headers=auth_header("water1"))
    assert missing.status_code == 404
    assert client.get("/api/v1/cases/nope", headers=auth_header("operator1")).status_code == 404


def test_an_illegal_transition_is_a_409_and_changes_nothing(client, auth_header, make_case, counts):
    case = make_case("closed")
    before = counts()
    for action, who, params in [
        ("accept", "water1", {}),
        ("reply", "water1", {"text": "x"}),
        ("dispatch", "operator1", {"department": "gas"}),
    ]:
        answer = client.post(
            f"/api/v1/cases/{case.number}/{action}", json=params, headers=auth_header(who)
        )
        assert answer.status_code == 409, answer.json
        assert error_of(answer)["code"] in ("invalid_transition", "forbidden")
    assert counts() == before


@pytest.mark.parametrize(
    "query", ["q=a%00b", "department=a%00", "category=%00", "status=%00", "phone=138%00"]
)
def test_nul_bytes_in_queries_are_refused_not_a_crash(client, auth_header, query):
    answer = client.get(f"/api/v1/cases?{query}", headers=auth_header("operator1"))
    assert answer.status_code == 422


def test_nul_bytes_in_codes_are_field_errors(client, auth_header, counts):
    for change in ({"category": "\x00"}, {"category": "water\x00"}):
        answer = client.post(
            "/api/v1/cases", json={**GOOD, **change}, headers=auth_header("operator1")
        )
        assert answer.status_code == 422 and "category" in answer.json["error"]["fields"]
    assert client.get("/api/v1/cases/R%00", headers=auth_header("operator1")).status_code == 404
    assert counts() == (0, 0)
