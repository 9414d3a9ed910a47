from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent, Open311Key, OutboxMessage
from app.sqlite import writing
from dispatch import open311_keys

BASE = "/open311/v2"

# The spec's fields of one service request, in its order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def api_key(db, now):
    """A fresh api_key of a client system named 城市服务App."""
    db.session.commit()
    with writing():
        _row, key = open311_keys.issue_key("城市服务App", now - timedelta(days=1))
        db.session.commit()
    return key


@pytest.fixture
def counts(db):
    """Rows of cases, history, outbox and keys' last use: a refused POST changes none."""

    def read() -> tuple:
        db.session.rollback()
        used = db.session.scalars(select(Open311Key.last_used_at).order_by(Open311Key.id)).all()
        return (
            db.session.scalar(select(func.count()).select_from(Case)),
            db.session.scalar(select(func.count()).select_from(CaseEvent)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            tuple(used),
        )

    return read


def xml_of(answer) -> ET.Element:
    """The XML answer parsed with the standard library, after checking its headers."""
    assert answer.content_type == "text/xml; charset=utf-8"
    assert answer.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(answer.data)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]
