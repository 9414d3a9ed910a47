"""公开查询: a citizen's view of a case, found by its number and the phone's last four digits.

What it shows is chosen, not filtered: the status, dated public steps (a transfer to
another hotline names that hotline), the deadline and, once the case is closed, the
department's answer. A reply still waiting for the hotline's review (回复审核) is not
shown as one: the case reads as accepted until it is released. Never the caller's name or
number (masked in the answer too, where the department wrote them in), the description or
address, who handled it, reasons, notes, supervision or escalation.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_
from app.models import Action, Case, CaseEvent, Department, Status
from dispatch import phones, review
from dispatch.errors import NotFound
from dispatch.fields import FieldErrors, clean_text

LAST4 = re.compile(r"^[0-9]{4}$")
NUMBER_MAX = 20
ANSWER_SHOWN = (Status.CLOSED, Status.ARCHIVED)  # answers are shown once the hotline closed


@dataclass(frozen=True)
class PublicStep:
    """One step a citizen sees: `step` is one of STEPS."""

    step: str
    at: datetime
    department: Department | None = None
    until: datetime | None = None
    destination: str | None = None  # transferred_out: the other hotline (never the reason)


@dataclass(frozen=True)
class PublicCase:
    number: str
    status: str
    category_name: str
    category_name_en: str
    created_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    department: Department | None
    steps: list[PublicStep] = field(default_factory=list)
    answer: str | None = None


STEPS = (
    "registered",
    "dispatched",
    "transferred",
    "returned",
    "accepted",
    "replied",
    "reopened",
    "answered",
    "closed",
    "archived",
    "deadline_extended",
    "transferred_out",
)


def look_up(number: object, phone_last4: object) -> PublicCase:
    """The public view of a case whose caller's number ends in `phone_last4`.

    Raises ValidationFailed for malformed input, NotFound alike for an unknown number and
    for digits that do not match (which of the two is never told)."""
    number, last4 = _validate(number, phone_last4)
    case = db.session.scalar(
        select(Case)
        .options(selectinload(Case.category), selectinload(Case.department))
        .where(Case.number == number)
    )
    if case is None or not hmac.compare_digest(phones.last4(case.caller_phone), last4):
        raise NotFound("no case with this number and phone")
    return _public(case)


def receipt(number: str) -> PublicCase | None:
    """The public view of a case just reported from this browser (its number kept in the
    session), or None."""
    case = db.session.scalar(select(Case).where(Case.number == number))
    return _public(case) if case is not None else None


def _public(case: Case) -> PublicCase:
    return PublicCase(
        number=case.number,
        status=Status.ACCEPTED if review.state(case) == review.PENDING else case.status,
        category_name=case.category.name,
        category_name_en=case.category.name_en or case.category.name,
        created_at=case.created_at,
        due_at=case.due_at if case.is_open else None,
        closed_at=case.closed_at,
        department=case.department,
        steps=_steps(case),
        answer=public_text(case.reply_text, case) if case.status in ANSWER_SHOWN else None,
    )


# A web address in free text: a voicemail's recording (whose address is all it takes to
# hear the caller, unless the Twilio account requires authentication for media), or any
# link someone pasted, which may carry a token.
_URL = re.compile(r"(?i)\b(?:https?|ftp)://\S+")
URL_SHOWN = "[链接]"


def public_text(value: str | None, case: Case) -> str | None:
    """Free text of `case` for anyone to read (the answer here, the description in
    Open311): web addresses left out, phone-like digit runs and the caller's own name
    masked, whoever wrote them in; None for no text."""
    if not value:
        return None
    shown = phones.mask_in_text(_URL.sub(URL_SHOWN, value))
    name = (case.caller_name or "").strip()
    if len(name) >= 2:
        shown = shown.replace(name, name[0] + "*" * (len(name) - 1))
    return shown


def _validate(number: object, phone_last4: object) -> tuple[str, str]:
    errors = FieldErrors()
    number = clean_text(number).strip().upper() if clean_text(number) is not None else ""
    if not number:
        errors.add("number", N_("is required"))
    elif len(number) > NUMBER_MAX:
        errors.add("number", N_("not a case number"))
    last4 = clean_text(phone_last4).strip() if clean_text(phone_last4) is not None else ""
    if not LAST4.match(last4):
        errors.add("phone_last4", N_("must be the last four digits of the phone number"))
    errors.raise_if_any()
    return number, last4


@dataclass(frozen=True)
class PublicHistory:
    """A case's public steps, and when anything last happened to it (public or not)."""

    steps: list[PublicStep]
    updated_at: datetime | None


def histories(cases: list[Case]) -> dict[int, PublicHistory]:
    """The public history of each case by id, read in one query (for lists)."""
    if not cases:
        return {}
    events = list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_([case.id for case in cases]))
            .order_by(CaseEvent.case_id, CaseEvent.id)
        )
    )
    departments = _departments_named(events)
    by_case: dict[int, list[CaseEvent]] = {case.id: [] for case in cases}
    for event in events:
        by_case[event.case_id].append(event)
    return {
        case_id: PublicHistory(_walk(found, departments), found[-1].created_at if found else None)
        for case_id, found in by_case.items()
    }


def _steps(case: Case) -> list[PublicStep]:
    events = list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )
    return _walk(events, _departments_named(events))


def _walk(events: list[CaseEvent], departments: dict[str, Department]) -> list[PublicStep]:
    steps, current = [], None
    for event in events:
        step, current = _public_step(event, departments, current)
        if step is not None:
            steps.append(step)
    return steps


def _departments_named(events: list[CaseEvent]) -> dict[str, Department]:
    codes = {e.data.get("department") for e in events if isinstance(e.data, dict)}
    codes.discard(None)
    if not codes:
        return {}
    found = db.session.scalars(select(Department).where(Department.code.in_(codes)))
    return {dept.code: dept for dept in found}


def _public_step(
    event: CaseEvent, departments: dict[str, Department], current: Department | None
) -> tuple[PublicStep | None, Department | None]:
    """The step this event shows (None: internal), and the lead department after it."""
    action, at, data = event.action, event.created_at, event.data or {}
    if action in (Action.DISPATCH, Action.TRANSFER):
        current = departments.get(data.get("department"))
        name = "dispatched" if action == Action.DISPATCH else "transferred"
        return PublicStep(name, at, current), current
    if action == Action.RETURN:
        return PublicStep("returned", at), None
    if action == Action.TRANSFER_OUT:  # 转至 <destination> 办理
        return PublicStep("transferred_out", at, destination=data.get("destination")), current
    if action == Action.APPROVE_EXTENSION:
        until = _parse_time(data.get("until"))
        return PublicStep("deadline_extended", at, until=until), current
    if action == Action.CALLBACK:
        name = "closed" if event.to_status == Status.CLOSED else "reopened"
        return PublicStep(name, at, current if name == "reopened" else None), current
    simple = {
        Action.REGISTER: "registered",
        Action.ACCEPT: "accepted",
        Action.APPROVE_REPLY: "replied",  # a reply reaches the caller once reviewed
        Action.REOPEN: "reopened",
        Action.ANSWER_ON_CALL: "answered",
        Action.CLOSE: "closed",
        Action.MARK_DUPLICATE: "closed",  # never which other case: that may be someone else's
        Action.ARCHIVE: "archived",
    }
    if action not in simple:  # supervision, escalation, extension requests: internal
        return None, current
    with_department = action in (Action.ACCEPT, Action.APPROVE_REPLY, Action.REOPEN)
    return PublicStep(simple[action], at, current if with_department else None), current


def _parse_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
