"""API handler for the statistics: GET /api/v1/stats."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import g, request

from app.api import bp
from app.models import Role, utcnow
from dispatch import settings, stats
from dispatch.errors import ValidationFailed
from dispatch.fields import OUT_OF_RANGE, in_calendar

DEFAULT_DAYS = 30


@bp.get("/stats")
def get_stats():
    start, end, by = _query(utcnow())
    department = g.user.department_id if g.user.role == Role.HANDLER else None
    now = utcnow()
    report = stats.report(start, end, now=now, by=by, department_id=department)
    before = stats.report(*stats.previous_period(start, end), now=now, department_id=department)
    return stats.as_dict(report, before)


def _query(now: datetime) -> tuple[date, date, str | None]:
    """from, to (ISO dates; default the 30 days ending today, local) and by; 422 naming the
    field that is wrong."""
    args, errors = request.args, {}
    today = now.astimezone(settings.timezone()).date()
    end = _date(args.get("to"), "to", errors, today)
    start = _date(args.get("from"), "from", errors, end - timedelta(days=DEFAULT_DAYS - 1))
    by = args.get("by") or None
    if by is not None and by not in stats.GROUPINGS:
        errors["by"] = "must be one of " + ", ".join(stats.GROUPINGS)
    if errors:
        raise ValidationFailed(errors)
    stats.check_period(start, end, by)
    return start, end, by


def _date(raw: str | None, name: str, errors: dict, default: date) -> date:
    if raw is None or raw == "":
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = "must be a date like 2026-11-20"
        return default
    if not in_calendar(value):
        errors[name] = OUT_OF_RANGE
        return default
    return value
