"""Property-based fuzzing of intake: whatever arrives, the answer is a 201 or a 4xx naming
the field, never a 5xx; a refused request writes nothing; accepted text is stored exactly."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GOOD = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
}
FIELDS = [
    "channel",
    "caller_phone",
    "caller_name",
    "category",
    "description",
    "address",
    "district",
    "priority",
    "external_ref",
]
NASTY_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "'; DROP TABLE cases; --",
            '" OR 1=1 --',
            "<img src=x onerror=alert(1)>",
            "\x00",
            "\ud800",
            "\u202e反转",
            "😀" * 50,
            "",
            " ",
            "\n\t",
            "%s%s%n",
            "{{7*7}}",
            "${jndi:x}",
        ]
    ),
)
PHONES = st.one_of(
    st.sampled_from(
        [
            "13812341234",
            "+86 138 1234 1234",
            "010-62345678",
            "+1 415 555 2671",
            "+44 20 7946 0958",
            "12345",
            "+999 1",
            "0000000000",
            "138123412345678901",
            "+86 10 1234",
            "abc",
            "１３８１２３４１２３４",
        ]
    ),
    st.text(alphabet="0123456789+- ()", max_size=25),
)
VALUES = st.one_of(
    NASTY_TEXT,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(answer, body, counts, before) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code == 201:
        created = answer.json
        for field in ("description", "address", "district", "caller_name", "external_ref"):
            if isinstance(body.get(field), str):
                assert created[field] == body[field].strip()
        return
    assert 400 <= answer.status_code < 500
    error = answer.json["error"]
    if answer.status_code == 422:
        assert error["fields"] and set(error["fields"]) <= set(FIELDS) | {"body"}
    assert counts() == before


@FUZZ
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_any_value_in_any_field(client, auth_header, counts, field, value):
    before = counts()
    body = {**GOOD, field: value}
    answer = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    check(answer, body, counts, before)
    if answer.status_code == 201:
        number = answer.json["number"]
        stored = client.get(f"/api/v1/cases/{number}", headers=auth_header("operator1")).json
        if isinstance(value, str) and field in ("description", "address", "district"):
            assert stored[field] == value.strip()


@FUZZ
@given(phone=PHONES)
def test_any_phone_number(client, auth_header, counts, phone):
    before = counts()
    answer = client.post(
        "/api/v1/cases", json={**GOOD, "caller_phone": phone}, headers=auth_header("operator1")
    )
    check(answer, {**GOOD, "caller_phone": phone}, counts, before)
    if answer.status_code == 201:
        assert answer.json["caller_phone"].startswith("+")
    else:
        assert answer.json["error"]["fields"] == {
            "caller_phone": answer.json["error"]["fields"]["caller_phone"]
        }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_any_bytes_as_a_body(client, auth_header, counts, raw):
    before = counts()
    headers = {**auth_header("operator1"), "Content-Type": "application/json"}
    answer = client.post("/api/v1/cases", data=raw, headers=headers)
    assert 400 <= answer.status_code < 500 and answer.is_json
    assert counts() == before


def test_empty_and_one_megabyte_bodies(client, auth_header, counts):
    headers = {**auth_header("operator1"), "Content-Type": "application/json"}
    empty = client.post("/api/v1/cases", data=b"", headers=headers)
    assert empty.status_code == 422  # an empty object: every required field is named
    assert set(empty.json["error"]["fields"]) >= {
        "channel",
        "caller_phone",
        "category",
        "description",
    }
    big = json.dumps(
        {**GOOD, "description": "长" * (1024 * 1024 // 3)}, ensure_ascii=False
    ).encode()
    answer = client.post("/api/v1/cases", data=big, headers=headers)
    assert answer.status_code == 422 and "description" in answer.json["error"]["fields"]
    assert counts() == (0, 0)


def test_html_is_stored_as_given_and_shown_escaped(client, auth_header):
    body = {**GOOD, "description": "<b>漏水</b><script>x()</script>", "address": "<i>幸福路</i>"}
    created = client.post("/api/v1/cases", json=body, headers=auth_header("operator1")).json
    assert created["description"] == body["description"]
    client.post("/login", data={"username": "operator1", "password": "hotline-demo"})
    page = client.get(f"/cases/{created['number']}").text
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
