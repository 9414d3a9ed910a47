"""督办 supervision: notices opened by escalation or by a supervisor, answered by the
department; and the supervisor's desk queries (overdue by department and level, repeated
returns, pending extensions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import N_
from app.models import (
    Action,
    Case,
    CaseEvent,
    Department,
    NoticeStatus,
    Status,
    SupervisionNotice,
    User,
)
from app.models.cases import TEXT_MAX
from dispatch.errors import InvalidTransition
from dispatch.fields import FieldErrors, aware_datetime, text

WAITING = (Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED)
REPEATED_RETURNS = 2
RETURNS_WINDOW = timedelta(days=30)


def open_notices_of(case: Case) -> list[SupervisionNotice]:
    query = select(SupervisionNotice).where(
        SupervisionNotice.case_id == case.id, SupervisionNotice.status == NoticeStatus.OPEN
    )
    return list(db.session.scalars(query))


def supervise(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """Open a supervision notice by hand: a comment and, optionally, a date for the answer."""
    errors = FieldErrors()
    note = text(params, "note", errors, required=True, max_length=TEXT_MAX)
    answer_by = aware_datetime(params, "answer_by", errors) if params.get("answer_by") else None
    if answer_by is not None and answer_by <= now:
        errors.add("answer_by", N_("must be in the future"))
    errors.raise_if_any()
    notice = SupervisionNotice(
        case_id=case.id,
        reason="manual",
        comment=note,
        answer_by=answer_by,
        opened_by_id=actor.id,
        opened_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    case.supervised = True
    return {
        "note": note,
        "notice": notice.id,
        "answer_by": answer_by.isoformat() if answer_by else None,
    }


def answer_notices(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """The department answers the case's open notices; raises InvalidTransition if none."""
    errors = FieldErrors()
    answer = text(params, "text", errors, required=True, max_length=TEXT_MAX)
    errors.raise_if_any()
    notices = open_notices_of(case)
    if not notices:
        raise InvalidTransition(N_("the case has no open supervision notice"))
    for notice in notices:
        notice.status, notice.answer_text = NoticeStatus.ANSWERED, answer
        notice.answered_by_id, notice.answered_at = actor.id, now
    return {"text": answer, "notices": [n.id for n in notices]}


def open_notices(limit: int = 200) -> list[SupervisionNotice]:
    """Open notices, oldest first."""
    query = (
        select(SupervisionNotice)
        .where(SupervisionNotice.status == NoticeStatus.OPEN)
        .order_by(SupervisionNotice.opened_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class OverdueRow:
    department: str
    level: int
    count: int


def overdue_by_department(now: datetime) -> list[OverdueRow]:
    """Cases past their deadline and still waiting for a reply, by department and level."""
    query = (
        select(Department.name, Case.escalation_level, func.count())
        .join(Department, Case.department_id == Department.id, isouter=True)
        .where(Case.status.in_(WAITING), Case.due_at < now)
        .group_by(Department.name, Case.escalation_level)
        .order_by(func.count().desc())
    )
    return [
        OverdueRow(name or "-", level, count) for name, level, count in db.session.execute(query)
    ]


def repeatedly_returned(limit: int = 100) -> list[Case]:
    query = (
        select(Case)
        .where(Case.return_count >= REPEATED_RETURNS, Case.status.in_(WAITING))
        .order_by(Case.return_count.desc(), Case.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def pending_extensions(limit: int = 100) -> list[Case]:
    query = (
        select(Case)
        .where(Case.extension_until.is_not(None), Case.status.in_(WAITING))
        .order_by(Case.extension_until)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ReturnsRow:
    department: str
    returns: int
    cases: int


def returns_by_department(now: datetime) -> list[ReturnsRow]:
    """退回 counted per department (the returning handler's) in the last RETURNS_WINDOW:
    how often, and how many distinct cases."""
    since = now - RETURNS_WINDOW
    query = (
        select(Department.name, func.count(), func.count(func.distinct(CaseEvent.case_id)))
        .select_from(CaseEvent)
        .join(User, User.id == CaseEvent.actor_id)
        .join(Department, Department.id == User.department_id)
        .where(CaseEvent.action == Action.RETURN, CaseEvent.created_at >= since)
        .group_by(Department.name)
        .order_by(func.count().desc())
    )
    return [ReturnsRow(*row) for row in db.session.execute(query)]
