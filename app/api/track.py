"""GET /api/v1/track: the public status lookup (no login), rate limited per client address."""

from __future__ import annotations

from datetime import datetime

from flask import request

from app import ratelimit
from app.api import bp
from app.errors import json_error
from app.extensions import db
from app.ratelimit import RateLimited
from dispatch import settings, tracking


@bp.get("/track")
def track():
    ratelimit.limit_by_address("TRACK_RATE_LIMIT")
    found = tracking.look_up(request.args.get("number", ""), request.args.get("phone_last4", ""))
    return public_case_json(found)


@bp.errorhandler(RateLimited)
def _limited(exc: RateLimited):
    db.session.rollback()
    message = f"too many requests, try again in {exc.retry_after_seconds} s"
    response, status = json_error(429, "rate_limited", message)
    return response, status, {"Retry-After": str(exc.retry_after_seconds)}


def public_case_json(found: tracking.PublicCase) -> dict:
    """What anyone with the number and the last four digits may read; times local."""
    return {
        "number": found.number,
        "status": found.status,
        "category_name": found.category_name,
        "category_name_en": found.category_name_en,
        "department": _department(found.department),
        "created_at": _local(found.created_at),
        "due_at": _local(found.due_at),
        "closed_at": _local(found.closed_at),
        "answer": found.answer,
        "steps": [
            {
                "step": step.step,
                "at": _local(step.at),
                "department": _department(step.department),
                "until": _local(step.until),
                "destination": step.destination,
            }
            for step in found.steps
        ],
    }


def _department(dept) -> dict | None:
    if dept is None:
        return None
    return {"code": dept.code, "name": dept.name, "name_en": dept.name_en or dept.name}


def _local(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(settings.timezone()).replace(microsecond=0).isoformat()
