"""The GeoReport v2 resources; each `.json` or `.xml` (the `fmt` in the path)."""

from __future__ import annotations

from flask import request

from app.extensions import db
from app.models import utcnow
from app.open311 import bp, mapping
from app.open311.formats import answer
from dispatch import intake_keys, open311, tracking

FMT = "<any(json, xml):fmt>"


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    return answer(fmt, "discovery", mapping.discovery_json(open311.services_changed_at()))


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    return answer(fmt, "services", [mapping.service_json(c) for c in open311.list_services()])


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str):
    found = open311.service(code)
    return answer(fmt, "service_definition", mapping.definition_json(found))


@bp.get(f"/requests.{FMT}")
def requests_list(fmt: str):
    query = open311.parse_query(request.args, utcnow())
    return _requests(fmt, open311.find_requests(query))


@bp.get(f"/requests/<number>.{FMT}")
def request_detail(number: str, fmt: str):
    return _requests(fmt, [open311.find_request(number)])


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str):
    done = open311.submit(request.form, utcnow(), request.headers.get(intake_keys.HEADER))
    body = [mapping.created_json(done.case, request.form.get("account_id", ""))]
    db.session.commit()
    return answer(fmt, "service_requests", body, 201), done.headers


def _requests(fmt: str, cases: list):
    histories = tracking.histories(cases)
    body = [mapping.request_json(case, histories[case.id]) for case in cases]
    return answer(fmt, "service_requests", body)
