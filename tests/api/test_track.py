"""GET /api/v1/track: the public lookup as JSON, without login; no names, no numbers."""

from __future__ import annotations

import json

import pytest

from app.models import Action
from app.sqlite import writing
from dispatch import lifecycle
from tests.api.test_openapi import conforms

NAME = "欧阳锦绣"
PHONE = "13987654321"


@pytest.fixture
def anonymous(app, db):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    return client


def track(client, number: str, last4: str = "4321"):
    return client.get("/api/v1/track", query_string={"number": number, "phone_last4": last4})


def test_a_lookup_answers_status_and_dated_steps_in_local_time(anonymous, make_case):
    case = make_case("accepted", caller_name=NAME, caller_phone=PHONE)
    answer = track(anonymous, case.number)
    assert answer.status_code == 200
    body = answer.json
    conforms(body, "PublicCase")
    assert body["number"] == case.number and body["status"] == "accepted"
    assert body["department"]["code"] == "water" and body["answer"] is None
    assert body["due_at"] == "2026-11-26T23:59:59+08:00"
    assert [(s["step"], s["at"]) for s in body["steps"]] == [
        ("registered", "2026-11-23T09:00:00+08:00"),
        ("dispatched", "2026-11-23T09:00:00+08:00"),
        ("accepted", "2026-11-23T09:00:00+08:00"),
    ]
    text = json.dumps(body, ensure_ascii=False)
    for private in (NAME, PHONE, "98765", "幸福", "water1", "刘洋"):
        assert private not in text, private


def test_the_answer_appears_once_the_case_is_closed(anonymous, make_case, user, db, now):
    case = make_case("replied", caller_phone=PHONE)
    assert track(anonymous, case.number).json["answer"] is None
    with writing():
        lifecycle.act(case, Action.CALLBACK, user("operator1"), now, {"satisfied": True})
        db.session.commit()
    body = track(anonymous, case.number).json
    assert body["answer"] == "已修复管道,恢复供水" and body["status"] == "closed"
    assert body["due_at"] is None and body["closed_at"] == "2026-11-23T09:00:00+08:00"
    assert [s["step"] for s in body["steps"]][-2:] == ["replied", "closed"]


def test_wrong_number_and_wrong_digits_answer_the_same(anonymous, make_case):
    case = make_case(caller_phone=PHONE)
    wrong_digits = track(anonymous, case.number, "1234")
    wrong_number = track(anonymous, "R2026112399999")
    assert wrong_digits.status_code == wrong_number.status_code == 404
    assert wrong_digits.json == wrong_number.json
    conforms(wrong_digits.json, "Error")


def test_malformed_queries_name_the_fields(anonymous):
    answer = anonymous.get("/api/v1/track?number=&phone_last4=12")
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {"number", "phone_last4"}
    nul = anonymous.get("/api/v1/track?number=R%00&phone_last4=1234")
    assert nul.status_code == 422


def test_lookups_are_rate_limited_per_address(anonymous, app, make_case, auth_header):
    case = make_case(caller_phone=PHONE)
    for _ in range(10):
        assert track(anonymous, case.number).status_code == 200
    refused = track(anonymous, case.number)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    conforms(refused.json, "Error")
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.21"
    assert track(other, case.number).status_code == 200
    # the staff API from the same address is not limited
    staff = app.test_client()
    staff.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    for _ in range(12):
        answer = staff.get(f"/api/v1/cases/{case.number}", headers=auth_header("operator1"))
        assert answer.status_code == 200
