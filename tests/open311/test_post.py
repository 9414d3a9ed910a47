"""POST requests: form-encoded as the spec says, an api_key required (403), bad fields 400
and an unknown service_code 404, in the spec's error shape, with nothing written; a good
request is an ordinary web case (routed, with its deadline, number and receipt SMS)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Case, CaseEvent, Open311Key, OutboxMessage
from app.models.users import hash_token
from app.sqlite import writing
from dispatch import open311_keys
from tests.open311.conftest import BASE, children, xml_of

GOOD = {
    "service_code": "water.outage",
    "description": "幸福小区3号楼停水一天了",
    "address_string": "幸福路18号",
    "phone": "138 1234 1234",
    "first_name": "三",
    "last_name": "张",
    "email": "zhang@example.com",
    "device_id": "tt222111",
    "account_id": "u-123456",
    "attribute[district]": "东城区",
}


def post(client, fmt="json", **fields):
    return client.post(f"{BASE}/requests.{fmt}", data=fields)


def test_a_posted_request_is_an_ordinary_web_case(client, db, api_key):
    answer = post(client, api_key=api_key, **GOOD)
    assert answer.status_code == 201, answer.text
    (created,) = answer.get_json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "u-123456"
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.number == created["service_request_id"]))
    assert case.channel == "web" and case.status == "dispatched"  # routed at once
    assert (case.caller_phone, case.caller_name) == ("+8613812341234", "张三")
    assert (case.address, case.district) == ("幸福路18号", "东城区")
    assert case.category.code == "water.outage"
    assert case.department.code == "water" and case.due_at is not None
    assert case.number in created["service_notice"]
    registered = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "register")
    )
    assert registered.data["source"] == "open311:城市服务App"
    receipt = db.session.scalar(select(OutboxMessage).where(OutboxMessage.case_id == case.id))
    assert receipt.template == "receipt" and receipt.to_phone == "+8613812341234"
    key = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == hash_token(api_key)))
    assert key.last_used_at is not None
    # Read back as anyone would.
    (read,) = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert (read["status"], read["service_code"]) == ("open", "water.outage")


def test_the_answer_in_xml(client, api_key):
    fields = {**GOOD, "account_id": ""}
    root = xml_of(post(client, "xml", api_key=api_key, **fields))
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == ["service_request_id", "service_notice", "account_id"]
    assert root[0].findtext("service_request_id").startswith("R")
    assert root[0].findtext("account_id") == ""


def test_coordinates_alone_are_a_location(client, db, api_key):
    fields = {**GOOD, "lat": "39.904200", "long": "116.407400"}
    del fields["address_string"]
    (created,) = post(client, api_key=api_key, **fields).get_json()
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.number == created["service_request_id"]))
    assert (case.address, case.latitude, case.longitude) == ("", 39.9042, 116.4074)
    (read,) = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert (read["lat"], read["long"], read["address"]) == (39.9042, 116.4074, None)
    root = xml_of(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert (root[0].findtext("lat"), root[0].findtext("long")) == ("39.9042", "116.4074")


def test_coordinates_and_an_address_are_both_kept(client, db, api_key):
    fields = {**GOOD, "lat": " 39.9042 ", "long": "116.4074"}
    (created,) = post(client, api_key=api_key, **fields).get_json()
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.number == created["service_request_id"]))
    assert (case.address, case.latitude, case.longitude) == ("幸福路18号", 39.9042, 116.4074)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "o311_not-a-key", "x" * 5000])
def test_missing_or_wrong_api_key_is_403_and_writes_nothing(client, counts, api_key, fmt, key):
    before = counts()
    fields = dict(GOOD) if key is None else {**GOOD, "api_key": key}
    answer = post(client, fmt, **fields)
    assert answer.status_code == 403
    if fmt == "json":
        (error,) = answer.get_json()
        assert error["code"] == 403 and "api_key" in error["description"]
    else:
        root = xml_of(answer)
        assert root.tag == "errors" and root[0].findtext("code") == "403"
    assert counts() == before


def test_a_revoked_key_is_refused(client, db, counts, api_key, now):
    row = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == hash_token(api_key)))
    db.session.commit()
    with writing():
        open311_keys.revoke(row.id, now)
        db.session.commit()
    before = counts()
    assert post(client, api_key=api_key, **GOOD).status_code == 403
    assert counts() == before


BAD = [
    ({"phone": ""}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"description": "  "}, "description"),
    ({"description": "长" * 4001}, "description"),
    ({"service_code": ""}, "service_code"),
    ({"address_string": ""}, "location"),
    ({"address_string": "", "lat": "91", "long": "116"}, "lat"),
    ({"address_string": "", "lat": "39.9"}, "lat"),
    ({"lat": "39.9", "long": "east"}, "lat"),  # with an address, bad coordinates still refused
    ({"lat": "nan", "long": "116.4"}, "lat"),
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"attribute[district]": "区" * 51}, "attribute[district]"),
    ({"first_name": "名" * 101}, "first_name"),
    ({"email": "e" * 201}, "email"),
]


@pytest.mark.parametrize("changes, named", BAD)
def test_bad_fields_are_400_and_write_nothing(client, counts, api_key, changes, named):
    before = counts()
    answer = post(client, api_key=api_key, **{**GOOD, **changes})
    assert answer.status_code == 400, answer.text
    errors = answer.get_json()
    assert all(e["code"] == 400 for e in errors)
    assert any(named in e["description"] for e in errors), errors
    assert counts() == before


def test_an_unknown_service_code_is_404(client, counts, api_key):
    before = counts()
    answer = post(client, "xml", api_key=api_key, **{**GOOD, "service_code": "no.such"})
    assert answer.status_code == 404
    assert xml_of(answer)[0].findtext("code") == "404"
    assert counts() == before


def test_the_phone_error_says_why_it_is_required(client, api_key):
    fields = {k: v for k, v in GOOD.items() if k != "phone"}
    (error,) = post(client, api_key=api_key, **fields).get_json()
    assert error["description"].startswith("phone: is required")


def test_a_request_sent_again_under_its_idempotency_key_registers_once(client, db, api_key):
    """重复提交保护: a client system's retry under the same Idempotency-Key."""
    headers = {"Idempotency-Key": "app-req-9001"}
    url = f"{BASE}/requests.json"
    first = client.post(url, data={**GOOD, "api_key": api_key}, headers=headers)
    again = client.post(url, data={**GOOD, "api_key": api_key}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    number = first.get_json()[0]["service_request_id"]
    assert again.get_json()[0]["service_request_id"] == number
    assert again.headers["Idempotent-Replayed"] == "true"
    db.session.rollback()
    assert len(db.session.scalars(select(Case)).all()) == 1
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1
    changed = client.post(
        url, data={**GOOD, "description": "另一件", "api_key": api_key}, headers=headers
    )
    assert changed.status_code == 400, changed.text  # the spec's "bad field" answer
    assert "Idempotency-Key" in changed.text
    db.session.rollback()
    assert len(db.session.scalars(select(Case)).all()) == 1
