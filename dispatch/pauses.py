"""暂停计时: a department pauses a case's reply clock while it waits on the caller (not
reachable, materials needed); the paused time does not count against the deadline. The
pause ends when the department resumes, when the caller answers (an SMS), or by itself at
the expected date; a case may be paused only so often in one deadline round."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.i18n import N_, Message
from app.models import Action, Case, CasePause, Status
from app.models.cases import TEXT_MAX
from dispatch import deadlines, reference
from dispatch.errors import InvalidTransition
from dispatch.fields import FieldErrors, aware_datetime, text

KINDS = ("not_reachable", "materials", "other")  # 联系不上, 需补充材料, 其他
LONGEST = timedelta(days=30)


def limit() -> int:
    return current_app.config["PAUSE_LIMIT"]


def pauses_this_round(case: Case) -> int:
    query = select(func.count()).where(
        CasePause.case_id == case.id, CasePause.clock_round == case.clock_round
    )
    return db.session.scalar(query)


def check_pause(case: Case) -> None:
    if case.paused_at is not None:
        raise InvalidTransition(Message("case %(number)s is already paused", number=case.number))
    if pauses_this_round(case) >= limit():
        raise InvalidTransition(
            Message("case %(number)s was paused %(n)d times already", number=case.number, n=limit())
        )


def check_resume(case: Case) -> None:
    if case.paused_at is None:
        raise InvalidTransition(Message("case %(number)s is not paused", number=case.number))


def pause(case: Case, actor, now: datetime, params: dict) -> dict:
    """The lifecycle's `pause` action: stop the reply clock and its escalation."""
    errors = FieldErrors()
    kind = params.get("kind") or "other"
    if kind not in KINDS:
        errors.add("kind", Message("one of %(values)s", values=", ".join(KINDS)))
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    until = aware_datetime(params, "until", errors)
    if until is None and "until" not in errors.errors:
        errors.add("until", N_("is required"))
    elif until is not None and not now < until <= now + LONGEST:
        errors.add("until", N_("must be later than now and within 30 days"))
    errors.raise_if_any()
    case.paused_at, case.pause_until, case.next_escalation_at = now, until, None
    db.session.add(
        CasePause(
            case=case,
            clock_round=case.clock_round,
            kind=kind,
            reason=reason,
            paused_at=now,
            until=until,
        )
    )
    return {"kind": kind, "reason": reason, "until": until.isoformat()}


def resume(case: Case, actor, now: datetime, params: dict) -> dict:
    """The lifecycle's `resume` action (the department resumes)."""
    return end(case, now, "department")


def end(case: Case, now: datetime, by: str) -> dict:
    """End the pause: the deadline moves later by the paused time and escalation is timed
    again on it. Returns the history data."""
    pause = _open_pause(case)
    before = case.due_at
    case.due_at = reference.deadline_after_pause(case, case.paused_at, now)
    if case.onsite_due_at is not None:
        case.onsite_due_at += now - case.paused_at
    case.paused_at = case.pause_until = None
    step = deadlines.next_escalation(
        case.escalation_level,
        case.clock_started_at or now,
        deadlines.escalation_deadline(case.due_at, case.onsite_due_at),
    )
    case.next_escalation_at = step[1] if step else None
    if pause is not None:
        pause.resumed_at, pause.resumed_by = now, by
        pause.due_before, pause.due_after = before, case.due_at
    moved_from = before.isoformat() if before else None
    return {"by": by, "from": moved_from, "until": case.due_at.isoformat()}


def end_if_paused(case: Case, now: datetime, by: str) -> None:
    """The caller answered (or the case moved on): a paused clock runs again, recorded."""
    from dispatch import lifecycle

    if case.paused_at is None:
        return
    data = end(case, now, by)
    lifecycle.record(case, Action.RESUME, None, case.status, now, data)


def resume_due(
    now: datetime, limit_: int, recheck: Callable[[], datetime] | None = None
) -> tuple[int, list[str]]:
    """End the pauses whose expected date has come (the sweep); the caller commits.
    `recheck`: the clock read again after the claim, which goes when earlier (as in
    escalation.sweep)."""
    from dispatch import lifecycle

    query = (
        select(Case)
        .where(Case.pause_until <= now)
        .order_by(Case.pause_until)
        .limit(limit_)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(query).all()
    if recheck is not None:
        now = min(now, recheck())
    resumed = []
    for case in claimed:
        if case.pause_until > now:
            continue  # claimed, but not due by the later reading: the clock went back
        if case.paused_at is None:
            case.pause_until = None
            continue
        data = end(case, case.pause_until, "time")  # it ended at the expected moment
        lifecycle.record(case, Action.RESUME, None, case.status, now, data)
        lifecycle.announce(case, now=now)
        resumed.append(case.number)
    return len(claimed), resumed


def paused_cases(limit_: int = 100) -> list[Case]:
    """Cases whose clock is paused now, for supervisors (the longest paused first)."""
    query = (
        select(Case)
        .where(Case.paused_at.is_not(None), Case.status == Status.ACCEPTED)
        .order_by(Case.paused_at)
        .limit(limit_)
    )
    return list(db.session.scalars(query))


def _open_pause(case: Case) -> CasePause | None:
    query = (
        select(CasePause)
        .where(CasePause.case_id == case.id, CasePause.resumed_at.is_(None))
        .order_by(CasePause.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).first()
