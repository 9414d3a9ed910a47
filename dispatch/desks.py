"""The work queues behind the desks: the operator's, the department's, counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Action, Case, CaseAssist, CaseEvent, Status, User
from dispatch import review
from dispatch.cases import WAITING_FOR_REPLY

QUEUE_LIMIT = 100
RETURNED_WINDOW = timedelta(days=30)


def _cases(query) -> list[Case]:
    query = query.options(selectinload(Case.category), selectinload(Case.department))
    return list(db.session.scalars(query.limit(QUEUE_LIMIT)))


def department_queues(user: User, now: datetime) -> dict[str, list[Case]]:
    """新件, 已签收, 退回重办, 一天内到期, 超期, 协办: a handler's department at a glance."""
    dept = user.department_id
    lead = select(Case).where(Case.department_id == dept)
    waiting = lead.where(Case.status.in_((Status.DISPATCHED, Status.ACCEPTED)))
    assisting = (
        select(Case)
        .join(CaseAssist, CaseAssist.case_id == Case.id)
        .where(CaseAssist.department_id == dept, Case.status.in_(WAITING_FOR_REPLY))
    )
    return {
        "new": _cases(lead.where(Case.status == Status.DISPATCHED).order_by(Case.due_at)),
        "accepted": _cases(lead.where(Case.status == Status.ACCEPTED).order_by(Case.due_at)),
        "rework": _cases(
            lead.where(Case.status == Status.ACCEPTED, Case.reworked_at.is_not(None)).order_by(
                Case.due_at
            )
        ),
        "due_soon": _cases(
            waiting.where(Case.due_at >= now, Case.due_at < now + timedelta(days=1)).order_by(
                Case.due_at
            )
        ),
        "overdue": _cases(waiting.where(Case.due_at < now).order_by(Case.due_at)),
        "cohandled": _cases(assisting.order_by(Case.due_at)),
        # While the hotline finds the case a department; once another one has it, it is
        # that department's (and no longer visible here).
        "returned": _cases(
            returned_by(dept, now - RETURNED_WINDOW).where(
                or_(Case.department_id.is_(None), Case.department_id == dept)
            )
        ),
    }


def returned_by(department_id: int, since: datetime):
    """Cases a department returned (退回) since `since`, the latest return first."""
    returns = (
        select(CaseEvent.case_id, func.max(CaseEvent.created_at).label("at"))
        .join(User, User.id == CaseEvent.actor_id)
        .where(
            CaseEvent.action == Action.RETURN,
            CaseEvent.created_at >= since,
            User.department_id == department_id,
        )
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    return select(Case).join(returns, returns.c.case_id == Case.id).order_by(returns.c.at.desc())


def operator_queues(now: datetime) -> dict[str, list[Case]]:
    """待派 undispatched (returned ones first), 待审核 replies to review, 待回访 callbacks
    (released replies only), escalated, newest."""
    return {
        "undispatched": _cases(
            select(Case)
            .where(Case.status == Status.REGISTERED)
            .order_by(Case.return_count.desc(), Case.created_at)
        ),
        "review": _cases(review.awaiting_review()),
        "callbacks": _cases(review.awaiting_callback()),
        "escalated": _cases(
            select(Case)
            .where(Case.status.in_(WAITING_FOR_REPLY), Case.escalation_level > 0)
            .order_by(Case.escalation_level.desc(), Case.due_at)
        ),
        "recent": _cases(select(Case).order_by(Case.created_at.desc()).limit(30)),
    }


def counters(now: datetime) -> dict[str, int]:
    """Open cases by status (`replied`: released, waiting for the callback; `review`: waiting
    for review), and those past their deadline."""
    rows = db.session.execute(
        select(Case.status, func.count())
        .where(Case.status.in_(WAITING_FOR_REPLY + (Status.REPLIED,)))
        .group_by(Case.status)
    ).all()
    result = {status: count for status, count in rows}
    result["review"] = review.pending_count()
    result[Status.REPLIED] = result.get(Status.REPLIED, 0) - result["review"]
    result["overdue"] = db.session.scalar(
        select(func.count()).where(Case.status.in_(WAITING_FOR_REPLY), Case.due_at < now)
    )
    return result
