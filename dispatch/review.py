"""回复审核: a department's reply waits for an operator's or a supervisor's review before it
reaches the caller. Approved (审核通过), it is released: the reply and satisfaction texts go
out and the case joins the callback list. Sent back (退回重办), the same department works on
it again against the same deadline. Reworks are counted per department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import Message
from app.models import Action, Case, CaseEvent, Department, Status, User
from app.models.cases import TEXT_MAX
from dispatch.errors import InvalidTransition
from dispatch.fields import FieldErrors, text

PENDING, RELEASED = "pending", "released"  # a replied case's review state
REWORKS_WINDOW = timedelta(days=30)


def state(case: Case) -> str | None:
    """PENDING or RELEASED for a replied case, None for any other."""
    if case.status != Status.REPLIED:
        return None
    return RELEASED if case.reply_approved_at is not None else PENDING


def check(case: Case, wanted: str) -> None:
    """Raise InvalidTransition unless the replied case's review state is `wanted`."""
    current = state(case)
    if current is None or current == wanted:
        return
    if current == PENDING:
        raise InvalidTransition(
            Message("the reply of case %(number)s is waiting for review", number=case.number)
        )
    raise InvalidTransition(
        Message("the reply of case %(number)s has already been released", number=case.number)
    )


def approve_reply(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """审核通过: release the reply to the caller (the lifecycle then queues its texts)."""
    case.reply_approved_at = now
    return {"department": case.department.code if case.department else None}


def rework(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """退回重办: back to the same department, accepted, its reply no longer the answer; the
    deadline stays. Raises ValidationFailed without a reason."""
    errors = FieldErrors()
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    errors.raise_if_any()
    answer = case.reply_text
    case.status, case.reworked_at = Status.ACCEPTED, now
    case.reply_text, case.replied_at, case.reply_approved_at = "", None, None
    department = case.department.code if case.department else None
    return {"reason": reason, "department": department, "reply": answer}


def awaiting_review():
    """Replies waiting for review, oldest first (a query)."""
    return (
        select(Case)
        .where(Case.status == Status.REPLIED, Case.reply_approved_at.is_(None))
        .order_by(Case.replied_at)
    )


def awaiting_callback():
    """Released replies waiting for the caller's confirmation, oldest release first."""
    return (
        select(Case)
        .where(Case.status == Status.REPLIED, Case.reply_approved_at.is_not(None))
        .order_by(Case.reply_approved_at)
    )


def pending_count() -> int:
    return db.session.scalar(
        select(func.count()).where(Case.status == Status.REPLIED, Case.reply_approved_at.is_(None))
    )


@dataclass(frozen=True)
class ReworksRow:
    department: str
    reworks: int
    cases: int


def reworks_by_department(now: datetime) -> list[ReworksRow]:
    """退回重办 counted per department (the one whose reply was sent back, as the event
    names it) in the last REWORKS_WINDOW: how often, and how many distinct cases."""
    since = now - REWORKS_WINDOW
    code = CaseEvent.data["department"].as_string()
    query = (
        select(Department.name, func.count(), func.count(func.distinct(CaseEvent.case_id)))
        .select_from(CaseEvent)
        .join(Department, Department.code == code)
        .where(CaseEvent.action == Action.REWORK, CaseEvent.created_at >= since)
        .group_by(Department.name)
        .order_by(func.count().desc())
    )
    return [ReworksRow(*row) for row in db.session.execute(query)]
