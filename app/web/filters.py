"""Template helpers: local times, time left, status names, masked callers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g
from flask_babel import format_datetime, get_locale, gettext, lazy_gettext

from app import audit
from app.models import Case, Category, Department, utcnow
from dispatch import directory, phones
from dispatch.cases import can_see_caller
from notifications import delivery

STATUS_NAMES = {
    "registered": lazy_gettext("Registered"),
    "dispatched": lazy_gettext("Dispatched"),
    "accepted": lazy_gettext("Accepted"),
    "replied": lazy_gettext("Replied"),
    "closed": lazy_gettext("Closed"),
    "archived": lazy_gettext("Archived"),
}
CHANNEL_NAMES = {
    "phone": lazy_gettext("Phone"),
    "visit": lazy_gettext("Visit"),
    "letter": lazy_gettext("Letter"),
    "web": lazy_gettext("Web"),
    "sms": lazy_gettext("SMS"),
    "transfer": lazy_gettext("Transfer"),
}
# 短信状态: a text message's state in the outbox (app.models.enums.OutboxStatus).
OUTBOX_STATUS_NAMES = {
    "pending": lazy_gettext("pending"),
    "sending": lazy_gettext("sending"),
    "sent": lazy_gettext("sent"),
    "delivered": lazy_gettext("delivered"),
    "undelivered": lazy_gettext("undelivered"),
    "failed": lazy_gettext("failed"),
    "cancelled": lazy_gettext("cancelled"),
}
PRIORITY_NAMES = {
    "normal": lazy_gettext("Normal"),
    "urgent": lazy_gettext("Urgent"),
    "emergency": lazy_gettext("Emergency"),
}
ACTION_NAMES = {
    "register": lazy_gettext("Register"),
    "dispatch": lazy_gettext("Dispatch"),
    "accept": lazy_gettext("Accept"),
    "reply": lazy_gettext("Reply"),
    "approve_reply": lazy_gettext("Approve the reply"),
    "rework": lazy_gettext("Send back for rework"),
    "return": lazy_gettext("Return"),
    "transfer": lazy_gettext("Transfer"),
    "callback": lazy_gettext("Callback"),
    "close": lazy_gettext("Close"),
    "reopen": lazy_gettext("Reopen"),
    "archive": lazy_gettext("Archive"),
    "supervise": lazy_gettext("Supervise"),
    "extend": lazy_gettext("Ask for extension"),
    "approve_extension": lazy_gettext("Approve extension"),
    "refuse_extension": lazy_gettext("Refuse extension"),
    "mark_duplicate": lazy_gettext("Mark duplicate"),
    "answer_on_call": lazy_gettext("Answer on the call"),
    "answer_notice": lazy_gettext("Answer supervision"),
    "escalate": lazy_gettext("Escalated"),
    "accept_overdue": lazy_gettext("Not accepted in time"),
    "follow_up": lazy_gettext("Caller's follow-up"),
    "assist_opinion": lazy_gettext("Give the assisting opinion"),
    "pause": lazy_gettext("Pause the clock"),
    "resume": lazy_gettext("Resume the clock"),
    "transfer_out": lazy_gettext("Transfer to another hotline"),
}
UNIT_NAMES = {
    "working_days": lazy_gettext("working days"),
    "calendar_days": lazy_gettext("calendar days"),
    "hours": lazy_gettext("hours"),
}
AUDIT_ACTION_NAMES = {
    "created": lazy_gettext("added"),
    "changed": lazy_gettext("changed"),
    "removed": lazy_gettext("removed"),
}
AUDIT_SUBJECT_NAMES = {
    "users": lazy_gettext("User"),
    "api_tokens": lazy_gettext("API token"),
    "departments": lazy_gettext("Department"),
    "categories": lazy_gettext("Category"),
    "routing_rules": lazy_gettext("Routing rule"),
    "deadline_policies": lazy_gettext("Deadline policy"),
    "calendar_overrides": lazy_gettext("Calendar day"),
    "sms_templates": lazy_gettext("SMS template"),
    "open311_keys": lazy_gettext("Open311 key"),
}
ROLE_NAMES = {
    "operator": lazy_gettext("Operator"),
    "handler": lazy_gettext("Department handler"),
    "supervisor": lazy_gettext("Supervisor"),
    "admin": lazy_gettext("Administrator"),
}


def local(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else ""


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """'剩余 2天3小时' (2 d 3 h left), or '超期 5小时' (overdue by 5 h)."""
    if due is None:
        return ""
    seconds = int((due - (now or utcnow())).total_seconds())
    if seconds < 0:
        return gettext("overdue by %(time)s", time=_duration(-seconds))
    return gettext("%(time)s left", time=_duration(seconds))


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return gettext("%(minutes)d min", minutes=minutes)


def named(item: Department | Category | None) -> str:
    """A department's or category's name in the page's language: its English name on an
    English page, when it has one."""
    if item is None:
        return ""
    if str(get_locale()).startswith("en"):
        return item.name_en or item.name
    return item.name


def caller_phone(case: Case) -> str:
    if can_see_caller(g.user, case):
        return phones.display(case.caller_phone)
    return phones.mask(case.caller_phone)


def caller_name(case: Case) -> str:
    return case.caller_name if can_see_caller(g.user, case) else "—"


def outbox_error(error: str) -> str:
    """A text message's error in the page's language when the outbox wrote it itself (the
    provider's own errors are shown as they came)."""
    if error in (delivery.OPTED_OUT, "the number opted out (退订)"):  # the latter: older rows
        return gettext("the number opted out")
    if error == delivery.WORKER_STOPPED:
        return gettext("not known whether it went out: the sending worker stopped first")
    if error.startswith(delivery.LOOKUP_FAILED):
        return gettext(
            "not known whether it went out: looking it up at the provider failed (%(error)s)",
            error=error.removeprefix(delivery.LOOKUP_FAILED),
        )
    if error.startswith(delivery.UNKNOWN):
        return gettext(
            "not known whether it went out: %(error)s",
            error=error.removeprefix(delivery.UNKNOWN).strip(),
        )
    return error


def status_names() -> dict[str, str]:
    """Status names in the page's language, for the live script."""
    return {key: str(name) for key, name in STATUS_NAMES.items()}


def department_names(departments: list[Department] | None = None) -> dict[str, str]:
    """Departments' names by code (of `departments`, read when not given), for the live
    script and the history."""
    listed = directory.list_departments() if departments is None else departments
    return {d.code: named(d) for d in listed}


def audit_value(value: object, field: str) -> str:
    """A recorded value as the audit page shows it: phone numbers masked (staff's too, as
    on the user list), nothing as "—"."""
    if value is None or value == "":
        return "—"
    if value == audit.CHANGED:
        return gettext("(changed)")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field.endswith("phone") and isinstance(value, str):
        return phones.mask(value)
    return str(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        local=local,
        time_left=time_left,
        mask_phone=phones.mask,
        outbox_error=outbox_error,
        named=named,
    )
    app.jinja_env.globals.update(
        STATUS_NAMES=STATUS_NAMES,
        CHANNEL_NAMES=CHANNEL_NAMES,
        PRIORITY_NAMES=PRIORITY_NAMES,
        OUTBOX_STATUS_NAMES=OUTBOX_STATUS_NAMES,
        ACTION_NAMES=ACTION_NAMES,
        ROLE_NAMES=ROLE_NAMES,
        UNIT_NAMES=UNIT_NAMES,
        AUDIT_ACTION_NAMES=AUDIT_ACTION_NAMES,
        AUDIT_SUBJECT_NAMES=AUDIT_SUBJECT_NAMES,
        audit_value=audit_value,
        caller_phone=caller_phone,
        caller_name=caller_name,
        now=utcnow,
        status_names=status_names,
        department_names=department_names,
    )
