"""How categories, cases and the endpoint look in GeoReport v2 (field names as the spec's).

Chosen, not filtered: a request carries its number, public status, category, department,
times, address and the description with phone-like digits and the caller's own name
masked; never the caller's name or number, notes, reasons or who handled it.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from app.models import Case, Category, Department
from dispatch import open311, settings, tracking
from dispatch.tracking import PublicHistory, PublicStep

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def local(value: datetime | None) -> str | None:
    """ISO 8601 with the hotline's offset, to the second (w3 format)."""
    if value is None:
        return None
    return value.astimezone(settings.timezone()).replace(microsecond=0).isoformat()


def service_json(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": bool(open311.ATTRIBUTES),
        "type": "realtime",
        "keywords": category.name_en or "",
        "group": (category.parent or category).name,  # a top-level service: its own
    }


def definition_json(category: Category) -> dict:
    district = {
        "variable": True,
        "code": "district",
        "datatype": "string",
        "required": False,
        "datatype_description": _("The district (区), e.g. 东城区"),
        "order": 1,
        "description": _("District where the problem is"),
        "values": [],
    }
    return {"service_code": category.code, "attributes": [district]}


def request_json(case: Case, history: PublicHistory) -> dict:
    """One service request; `history` from tracking.histories()."""
    last = history.steps[-1] if history.steps else None
    return {
        "service_request_id": case.number,
        "status": open311.public_status(case),
        "status_notes": step_text(last) if last else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": public_description(case),
        "agency_responsible": case.department.name if case.department else None,
        "service_notice": service_notice(case),
        "requested_datetime": local(case.created_at),
        "updated_datetime": local(history.updated_at or case.created_at),
        "expected_datetime": local(case.due_at),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": None,
    }


def public_description(case: Case) -> str:
    """The description for anyone to read: phone-like digit runs and the caller's own
    name (when the caller wrote it in) masked."""
    return tracking.public_text(case.description, case) or ""


def service_notice(case: Case) -> str | None:
    if case.status in open311.CLOSED_STATUSES:
        return None
    if case.department is None:
        return _("Waiting to be dispatched to a department")
    if case.due_at is None:
        return None
    return _("A reply is due by %(time)s", time=format_datetime(case.due_at, "yyyy-MM-dd HH:mm"))


def created_json(case: Case, account_id: str) -> dict:
    notice = _(
        "Registered as case %(number)s. A reply is due by %(time)s.",
        number=case.number,
        time=format_datetime(case.due_at, "yyyy-MM-dd HH:mm") if case.due_at else "-",
    )
    return {
        "service_request_id": case.number,
        "service_notice": notice,
        "account_id": account_id or None,
    }


def discovery_json(changed_at: datetime | None) -> dict:
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    changeset = local(changed_at) or "2026-12-01T00:00:00+08:00"
    return {
        "changeset": changeset,
        "contact": current_app.config["OPEN311_CONTACT"] or _("The hotline's administrators"),
        "key_service": _("api_keys are issued by the hotline's administrators"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/") + "/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def step_text(step: PublicStep) -> str:
    """The public step in words, as the citizens' lookup page says it."""
    dept = _department_name(step.department)
    with_department = {
        "dispatched": (_("Dispatched to %(department)s", department=dept), _("Dispatched")),
        "transferred": (_("Transferred to %(department)s", department=dept), _("Transferred")),
        "accepted": (_("Accepted by %(department)s", department=dept), _("Accepted")),
        "replied": (_("%(department)s replied", department=dept), _("Replied")),
    }
    if step.step in with_department:
        named, plain = with_department[step.step]
        return named if dept else plain
    if step.step == "deadline_extended":
        until = format_datetime(step.until, "yyyy-MM-dd HH:mm") if step.until else ""
        return _("Deadline extended to %(until)s", until=until)
    simple = {
        "registered": _("Registered"),
        "returned": _("Returned to the hotline to be dispatched again"),
        "reopened": _("Reopened: handled again"),
        "answered": _("Answered on the call"),
        "closed": _("Closed"),
        "archived": _("Archived"),
    }
    return simple.get(step.step, step.step)


def _department_name(dept: Department | None) -> str:
    if dept is None:
        return ""
    english = str(get_locale()) == "en"
    return (dept.name_en or dept.name) if english else dept.name
