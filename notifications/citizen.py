"""The messages a change to a case sends (短信告知): the receipt to the caller, the
department's answer and the satisfaction question once an operator released it (回复审核),
the notice that the case went on to another hotline, and an emergency to the department's
on-call phone. Each is queued in the outbox in the transaction of the change, once per
case, event and template (the key holds the case, the template and the deadline round)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.models import Action, Case, Channel, Priority
from dispatch import phones, settings
from notifications import outbox, templates

DEFAULT_LINK_BASE = "http://localhost:5000"


def after_change(case: Case, action: Action, now: datetime) -> None:
    """Queue what `action` (just recorded on `case`, which has its id) tells people."""
    if action == Action.REGISTER:
        if case.channel != Channel.TRANSFER:  # the other hotline told its caller
            _to_caller(case, "receipt", now, deadline=_local(case.due_at))
        if case.department is not None:
            _emergency(case, now)
    elif action in (Action.DISPATCH, Action.TRANSFER):
        _emergency(case, now)
    elif action == Action.APPROVE_REPLY:  # 回复审核: released to the caller
        _to_caller(case, "reply", now, answer=case.reply_text)
        _to_caller(case, "satisfaction", now)
    elif action == Action.TRANSFER_OUT and case.channel != Channel.TRANSFER:
        # 转办告知 instead of an answer; a case another hotline passed in is its to tell
        _to_caller(case, "transferred_out", now, destination=case.transferred_to)


def link(number: str) -> str:
    """The public lookup page of a case, as the citizen opens it from the message."""
    base = current_app.config.get("PUBLIC_URL") or DEFAULT_LINK_BASE
    return f"{base.rstrip('/')}/track?number={number}"


def _to_caller(case: Case, template: str, now: datetime, **values: str) -> None:
    if not case.caller_phone or not phones.can_receive_sms(case.caller_phone):
        return  # a fixed line takes no text messages
    body = templates.render(template, number=case.number, link=link(case.number), **values)
    key = f"case:{case.id}:{template}:{case.clock_round}"
    outbox.queue(key, case.caller_phone, body, template=template, now=now, case_id=case.id)


def _emergency(case: Case, now: datetime) -> None:
    dept = case.department
    if case.priority != Priority.EMERGENCY or dept is None or not dept.oncall_phone:
        return
    body = templates.render(
        "emergency_dispatch",
        number=case.number,
        category=case.category.name,
        address=case.address,
        description=case.description,
        onsite=_local(case.onsite_due_at or case.due_at),
    )
    key = f"case:{case.id}:emergency_dispatch:{case.clock_round}:{dept.code}"
    template = "emergency_dispatch"
    outbox.queue(key, dept.oncall_phone, body, template=template, now=now, case_id=case.id)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(settings.timezone()).strftime("%m月%d日 %H:%M")
