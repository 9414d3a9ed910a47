"""主办/协办: a case has one lead department and may have assisting departments. Each
assisting department gives its opinion (协办意见); the lead's reply is the one the caller
gets, and it waits until every opinion is in, unless the lead overrides with a reason."""

from __future__ import annotations

from datetime import datetime

from app.i18n import N_, Message
from app.models import Case, CaseAssist, Role, User
from app.models.cases import TEXT_MAX
from dispatch.errors import InvalidTransition, NotAllowed, ValidationFailed
from dispatch.fields import FieldErrors, text


def assist_of(case: Case, user: User) -> CaseAssist | None:
    """The assisting-department row of `case` that `user` (a handler) answers for."""
    if user.role != Role.HANDLER:
        return None
    return next((a for a in case.assists if a.department_id == user.department_id), None)


def check_opinion(case: Case, actor: User) -> None:
    assist = assist_of(case, actor)
    if assist is None:
        raise NotAllowed(N_("only a handler of an assisting department gives an opinion"))
    if not assist.owed:
        raise InvalidTransition(
            Message(
                "%(department)s has given its opinion already", department=assist.department.name
            )
        )


def give_opinion(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """The lifecycle's `assist_opinion` action."""
    errors = FieldErrors()
    opinion = text(params, "text", errors, required=True, max_length=TEXT_MAX)
    errors.raise_if_any()
    assist = assist_of(case, actor)
    assist.opinion, assist.opinion_by_id, assist.opinion_at = opinion, actor.id, now
    return {"department": assist.department.code, "text": opinion}


def owed(case: Case) -> list[CaseAssist]:
    return [assist for assist in case.assists if assist.owed]


def check_reply(case: Case, params: dict) -> dict:
    """Before the lead replies: every opinion in, or an override with its reason (kept in
    the reply's history data)."""
    waiting = owed(case)
    if not waiting:
        return {}
    errors = FieldErrors()
    reason = text(params, "override_reason", errors, max_length=TEXT_MAX)
    if errors.errors:
        raise ValidationFailed(errors.errors)
    if not reason:
        names = "、".join(a.department.name for a in waiting)
        raise InvalidTransition(
            Message(
                "waiting for the opinion of %(names)s; reply with override_reason to go ahead",
                names=names,
            )
        )
    return {"override_reason": reason, "without": [a.department.code for a in waiting]}
