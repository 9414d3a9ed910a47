"""Every GeoReport v2 resource in JSON and in XML, against the spec's shapes: root and
item element names, field names, status mapped from the lifecycle, times with offset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.open311.conftest import BASE, REQUEST_FIELDS, children, xml_of

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


def test_discovery_names_the_endpoint_and_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").get_json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint_xml,) = root.find("endpoints")
    assert endpoint_xml.tag == "endpoint"
    assert [f.text for f in endpoint_xml.find("formats")] == ["text/xml", "application/json"]
    assert {f.tag for f in endpoint_xml.find("formats")} == {"format"}


def test_services_are_the_active_categories(client):
    answer = client.get(f"{BASE}/services.json")
    assert answer.content_type == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in answer.get_json()}
    assert all(set(s) == set(SERVICE_FIELDS) for s in services.values())
    outage = services["water.outage"]
    assert outage == {
        "service_code": "water.outage",
        "service_name": "停水",
        "description": "No water",
        "metadata": True,
        "type": "realtime",
        "keywords": "No water",
        "group": "供水",
    }
    assert services["water"]["group"] == "供水"  # a top-level service groups under itself
    assert "consult" in services

    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert set(children(root)) == {"service"}
    assert len(root) == len(services)
    first = root[0]
    assert children(first) == SERVICE_FIELDS
    xml_outage = next(s for s in root if s.findtext("service_code") == "water.outage")
    assert xml_outage.findtext("metadata") == "true"
    assert xml_outage.findtext("group") == "供水"


def test_service_definition_lists_its_attributes(client):
    body = client.get(f"{BASE}/services/water.outage.json").get_json()
    assert body["service_code"] == "water.outage"
    (attribute,) = body["attributes"]
    assert set(attribute) == set(ATTRIBUTE_FIELDS)
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == (
        "district",
        "string",
        False,
    )
    assert attribute["variable"] is True and attribute["order"] == 1

    root = xml_of(client.get(f"{BASE}/services/water.outage.xml"))
    assert root.tag == "service_definition"
    assert children(root) == ["service_code", "attributes"]
    (attribute_xml,) = root.find("attributes")
    assert attribute_xml.tag == "attribute"
    assert children(attribute_xml) == ATTRIBUTE_FIELDS
    assert attribute_xml.findtext("required") == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_shape(client, fmt):
    answer = client.get(f"{BASE}/services/no.such.{fmt}")
    assert answer.status_code == 404
    if fmt == "json":
        (error,) = answer.get_json()
        assert error["code"] == 404 and "no.such" in error["description"]
    else:
        root = xml_of(answer)
        assert root.tag == "errors" and children(root) == ["error"]
        assert children(root[0]) == ["code", "description"]
        assert root[0].findtext("code") == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_paths_and_methods_answer_in_the_spec_error_shape(client, fmt):
    missing = client.get(f"{BASE}/nothing.{fmt}")
    assert missing.status_code == 404
    wrong_method = client.post(f"{BASE}/services.{fmt}")
    assert wrong_method.status_code == 400
    for answer in (missing, wrong_method):
        if fmt == "json":
            assert answer.get_json()[0]["code"] == answer.status_code
        else:
            assert xml_of(answer).tag == "errors"


STATUS_MAP = [
    ("registered", "open"),
    ("dispatched", "open"),
    ("accepted", "open"),
    ("replied", "open"),
    ("closed", "closed"),
    ("archived", "closed"),
]


@pytest.mark.parametrize("status, public", STATUS_MAP)
def test_a_request_shows_its_case_with_the_status_mapped(client, make_case, status, public):
    case = make_case(status)
    body = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    (request,) = body
    assert set(request) == set(REQUEST_FIELDS)
    assert request["service_request_id"] == case.number
    assert request["status"] == public
    assert request["requested_datetime"] == "2026-11-23T09:00:00+08:00"
    assert request["updated_datetime"] == "2026-11-23T09:00:00+08:00"  # all steps at `now`
    if status == "registered":
        assert (request["service_code"], request["agency_responsible"]) == ("consult", None)
    else:
        assert (request["service_code"], request["service_name"]) == ("water.outage", "停水")
        assert request["agency_responsible"] == "市供水集团"
        assert request["expected_datetime"] == "2026-11-26T23:59:59+08:00"  # 3 working days
    assert request["address"] == "幸福路18号"
    assert request["lat"] is None and request["long"] is None and request["media_url"] is None

    root = xml_of(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == REQUEST_FIELDS
    assert root[0].findtext("status") == public
    assert root[0].findtext("service_request_id") == case.number


def test_status_notes_tell_the_last_public_step(client, make_case):
    cases = {status: make_case(status) for status in ("dispatched", "accepted", "closed")}
    notes = {
        status: client.get(f"{BASE}/requests/{case.number}.json").get_json()[0]["status_notes"]
        for status, case in cases.items()
    }
    assert notes == {
        "dispatched": "已交办至市供水集团",
        "accepted": "市供水集团已签收",
        "closed": "已办结",
    }


def test_updated_datetime_is_the_last_event(client, db, user, make_case, now):
    from app.models import Action
    from app.sqlite import writing
    from dispatch import lifecycle

    case = make_case("dispatched")
    with writing():
        lifecycle.act(case, Action.ACCEPT, user("water1"), now + timedelta(hours=2), {})
        db.session.commit()
    (request,) = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert request["updated_datetime"] == "2026-11-23T11:00:00+08:00"
    assert request["requested_datetime"] == "2026-11-23T09:00:00+08:00"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_404(client, fmt):
    answer = client.get(f"{BASE}/requests/R2026010100001.{fmt}")
    assert answer.status_code == 404
    long = client.get(f"{BASE}/requests/{'R' * 300}.{fmt}")
    assert long.status_code == 404


def test_requests_list_in_both_formats(client, make_case):
    from app.models import utcnow

    recent = utcnow() - timedelta(days=1)  # the list's default: the last 90 days
    older, newer = make_case("dispatched", at=recent), make_case("closed", at=recent)
    listed = client.get(f"{BASE}/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [newer.number, older.number]
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and set(children(root)) == {"request"}
    assert [r.findtext("service_request_id") for r in root] == [newer.number, older.number]
    assert [r.findtext("status") for r in root] == ["closed", "open"]
    for request in root:
        assert children(request) == REQUEST_FIELDS


def test_xml_stays_parseable_whatever_the_text(client, make_case):
    case = make_case("dispatched", description="停水\x0b\x1f了")
    root = xml_of(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root[0].findtext("description") == "停水了"
    bad = client.get(f"{BASE}/requests.xml", query_string={"status": "open\x01"})
    assert bad.status_code == 400 and xml_of(bad).tag == "errors"
