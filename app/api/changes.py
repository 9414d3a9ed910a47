"""API handler for the live pages' catch-up after a reconnect."""

from __future__ import annotations

from datetime import datetime

from flask import g, request

from app.api import bp
from dispatch import changes
from dispatch.errors import ValidationFailed
from dispatch.fields import OUT_OF_RANGE, in_calendar


@bp.get("/changes")
def list_changes():
    raw = request.args.get("since", "")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed({"since": "an ISO 8601 time with offset is required"}) from exc
    if moment.tzinfo is None:
        raise ValidationFailed({"since": "must have a UTC offset"})
    if not in_calendar(moment):
        raise ValidationFailed({"since": OUT_OF_RANGE})
    items = changes.since(g.user, moment)
    return {"items": items, "complete": len(items) < changes.MAX_CHANGES}
