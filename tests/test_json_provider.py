"""The app's JSON (orjson) says what Flask's default provider says."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider

from app.json_provider import OrjsonProvider


@dataclass
class Point:
    x: int
    label: str


DOCUMENT = {
    "number": "R2026112300001",
    "description": "停水 <script>alert('x')</script>",
    "at": datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
    "day": date(2026, 11, 23),
    "amount": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1, "东城区"),
    "rates": [0.1, 1e20, -3],
    "nested": {"b": 2, "a": [None, True, False]},
}


def test_the_same_document_as_flasks_default_provider(app):
    ours, flasks = OrjsonProvider(app), DefaultJSONProvider(app)
    written = ours.dumps(DOCUMENT)
    assert json.loads(written) == json.loads(flasks.dumps(DOCUMENT))
    assert list(json.loads(written)) == sorted(DOCUMENT)  # keys sorted, as Flask's
    assert "停水" in written and "\\u" not in written  # UTF-8, not escapes
    assert json.loads(written)["at"] == "Mon, 23 Nov 2026 01:00:00 GMT"  # Flask's own dates


def test_what_orjson_cannot_write_goes_to_the_default_provider(app):
    ours = OrjsonProvider(app)
    assert json.loads(ours.dumps({"big": 2**70})) == {"big": 2**70}
    assert ours.dumps({7: "a key that is not a string"}) == '{"7":"a key that is not a string"}'
    assert ours.dumps({"b": 1, "a": 2}, indent=2) == '{\n  "a": 2,\n  "b": 1\n}'


def test_an_api_answer_is_utf8_json(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert json.loads(answer.get_data().decode("utf-8")) == answer.get_json()
