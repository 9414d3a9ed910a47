"""A round trip with a third-party Open311 client from PyPI, over real HTTP.

The candidates on PyPI were read before choosing (their source, on Python 3.11):

- `open311` 1.1 (2011): Python 2 only. `import open311` fails on Python 3 with "cannot
  import name 'Open311' from partially initialized module" (its `__init__` does
  `from open311 import Open311`, a Python 2 implicit relative import); it also reads
  service definitions from `service/<code>` instead of the spec's `services/<code>`.
- `three` 0.8.0 (2013): Python 2 only. `three.core` does `from itertools import ifilter`
  (ImportError on Python 3), and it needs `relaxml`, a Python 2 XML library.
- `georeport` 0.3.1 (2025): works on Python 3.11 with current requests and xmltodict, in
  JSON and XML; but it "does not currently support the creation of new 311 service
  requests" (its README): no POST.

So `georeport` drives every read here, in both formats, unchanged. The POST goes through
the smallest shim: a subclass adding `post_service_request`, written the way the library
writes its other calls (`requests` to `<root_address>/requests.<format>`, xmltodict for
XML). Everything else a client does is the library's own code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import xmltodict
from georeport import GeoReport

from app.models import utcnow
from tests.livetools import live_server


class PostingGeoReport(GeoReport):
    """georeport's client with the one call it lacks: POST Service Request."""

    def post_service_request(self, service_code: str, **fields) -> dict:
        data = {"api_key": self.api_key, "service_code": service_code, **fields}
        if self.jurisdiction:
            data["jurisdiction_id"] = self.jurisdiction
        response = requests.post(
            f"{self.root_address}/requests.{self.output_format}", data=data, timeout=10
        )
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()[0]
        return xmltodict.parse(response.content)["service_requests"]["request"]


@pytest.fixture
def server(database_url, db):
    db.session.commit()  # no read transaction of the test's in the way of the server's writes
    with live_server(database_url) as (_app, url):
        yield url + "/open311/v2"


def as_list(value) -> list:
    """xmltodict gives one repeated element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_round_trip_with_georeport(server, db, make_case, api_key, fmt):
    earlier = make_case("closed", at=utcnow() - timedelta(days=1))  # within the default 90
    db.session.commit()
    client = PostingGeoReport(server, api_key=api_key, output_format=fmt)

    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services["roads.pothole"]["service_name"] == "路面坑洼"
    assert services["roads.pothole"]["group"] == "道路桥梁"
    assert str(services["roads.pothole"]["metadata"]).lower() == "true"

    definition = client.get_service_definition("roads.pothole")
    assert definition["service_code"] == "roads.pothole"
    attributes = definition["attributes"]
    codes = [a["code"] for a in (attributes if fmt == "json" else as_list(attributes["attribute"]))]
    assert codes == ["district"]

    created = client.post_service_request(
        "roads.pothole",
        description="解放路中段路面塌陷,有一个大坑",
        address_string="解放路100号",
        phone="13812345678",
        first_name="四",
        last_name="李",
        **{"attribute[district]": "西城区"},
    )
    number = created["service_request_id"]
    assert number.startswith("R") and number in created["service_notice"]

    read = client.get_service_request(number)
    assert read["service_request_id"] == number
    assert (read["status"], read["service_code"]) == ("open", "roads.pothole")
    assert read["agency_responsible"] == "市政道路管理处"
    assert read["address"] == "解放路100号"
    assert read["expected_datetime"].endswith("+08:00")

    listed = as_list(client.get_service_requests())
    assert [r["service_request_id"] for r in listed] == [number, earlier.number]
    only_open = as_list(client.get_service_requests(status="open"))
    assert [r["service_request_id"] for r in only_open] == [number]
    by_code = as_list(client.get_service_requests(service_code="water.outage"))
    assert [r["service_request_id"] for r in by_code] == [earlier.number]
    both = as_list(client.get_service_requests(service_request_id=f"{number},{earlier.number}"))
    assert {r["status"] for r in both} == {"open", "closed"}
    for request in listed:  # what a third party reads carries no caller
        assert "13812345678" not in str(request) and "李四" not in str(request)


def test_the_library_sees_errors_as_http_errors(server):
    client = GeoReport(server)
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_definition("no.such")
    assert raised.value.response.status_code == 404
    unauthorised = PostingGeoReport(server, api_key="o311_wrong")
    with pytest.raises(requests.HTTPError) as refused:
        unauthorised.post_service_request("roads.pothole", description="x", phone="13812345678")
    assert refused.value.response.status_code == 403
