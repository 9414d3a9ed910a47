"""重复提交保护: a registration sent again under its Idempotency-Key (or the intake form sent
twice) registers one case and sends one receipt; the same key with another request is
refused and writes nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import Case, IntakeKey, OutboxMessage

GOOD = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
    "address": "幸福路18号",
}


def _count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _post(client, auth_header, body, key, user="operator1"):
    headers = {**auth_header(user), "Idempotency-Key": key}
    return client.post("/api/v1/cases", json=body, headers=headers)


def test_a_registration_sent_again_under_its_key_registers_once(client, auth_header, db):
    first = _post(client, auth_header, GOOD, "call-7781-a")
    again = _post(client, auth_header, GOOD, "call-7781-a")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json["number"] == first.json["number"]
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(db, Case) == 1
    assert _count(db, OutboxMessage) == 1  # one receipt SMS to the caller
    other = _post(client, auth_header, GOOD, "call-7781-b")  # another key: another case
    assert other.status_code == 201 and other.json["number"] != first.json["number"]
    assert _count(db, Case) == 2


def test_the_same_key_with_another_request_is_refused(client, auth_header, db, counts):
    assert _post(client, auth_header, GOOD, "k1").status_code == 201
    before = counts(), _count(db, OutboxMessage), _count(db, IntakeKey)
    changed = _post(client, auth_header, {**GOOD, "description": "停水三天"}, "k1")
    assert changed.status_code == 422, changed.text
    assert changed.json["error"]["fields"] == {
        "Idempotency-Key": "was used before with a different request"
    }
    assert (counts(), _count(db, OutboxMessage), _count(db, IntakeKey)) == before


def test_keys_are_their_users_own(client, auth_header, db):
    mine = _post(client, auth_header, GOOD, "same-key", user="operator1")
    theirs = _post(client, auth_header, GOOD, "same-key", user="operator2")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json["number"] != theirs.json["number"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_a_bad_key_is_refused_naming_the_header(client, auth_header, db, counts):
    for bad in ["", "x" * 256, "ключ", "tab\tkey"]:
        answer = _post(client, auth_header, GOOD, bad)
        assert answer.status_code == 422, (bad, answer.text)
        assert list(answer.json["error"]["fields"]) == ["Idempotency-Key"]
    assert counts() == (0, 0)


def test_a_refused_registration_leaves_its_key_unused(client, auth_header, db):
    refused = _post(client, auth_header, {**GOOD, "caller_phone": "12"}, "k2")
    assert refused.status_code == 422
    assert _count(db, IntakeKey) == 0
    done = _post(client, auth_header, GOOD, "k2")  # corrected, sent again under its key
    assert done.status_code == 201 and "Idempotent-Replayed" not in done.headers


def test_without_a_key_every_registration_is_new(client, auth_header, db):
    for _ in range(2):
        assert (
            client.post("/api/v1/cases", json=GOOD, headers=auth_header("operator1")).status_code
            == 201
        )
    assert _count(db, Case) == 2 and _count(db, IntakeKey) == 0


def test_the_intake_form_sent_twice_registers_once(login, db):
    operator = login("operator1")
    page = operator.get("/cases/new").text
    key = re.search(r'name="intake_key" value="([0-9a-f]{32})"', page).group(1)
    form = {**GOOD, "priority": "normal", "intake_key": key}
    first = operator.post("/cases/new", data=form)
    again = operator.post("/cases/new", data=form)  # a double click, or back and resend
    assert first.status_code == again.status_code == 302
    assert again.location == first.location
    assert "已从此表单登记" in operator.get(again.location).text
    assert _count(db, Case) == 1 and _count(db, OutboxMessage) == 1
    changed = operator.post("/cases/new", data={**form, "description": "另一件事"})
    assert changed.status_code == 422 and "此表单已登记过一件" in changed.text
    fresh = re.search(r'name="intake_key" value="([0-9a-f]{32})"', changed.text).group(1)
    assert fresh != key and _count(db, Case) == 1
    other = operator.post(
        "/cases/new", data={**form, "description": "另一件事", "intake_key": fresh}
    )
    assert other.status_code == 302 and _count(db, Case) == 2


def test_any_json_can_be_sent_under_a_key(client, auth_header, db, counts):
    huge = {**GOOD, "priority": 10**40, "extra": [None, 1.5, {"b": 1, "a": 2}]}
    answer = _post(client, auth_header, huge, "odd-body")
    assert answer.status_code == 422 and "priority" in answer.json["error"]["fields"]
    assert counts() == (0, 0)


def test_a_handler_gets_no_case_through_a_key(client, auth_header, db):
    refused = _post(client, auth_header, GOOD, "k3", user="water1")
    assert refused.status_code == 403
    assert _count(db, Case) == 0
