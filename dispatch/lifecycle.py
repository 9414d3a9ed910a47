"""The case lifecycle: the actions (who may take them: dispatch/transitions.py); the only
writer of Case.status.

Every action checks the actor's role and the case's state, changes the case, and writes
one history event in the caller's transaction; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.i18n import N_, Message
from app.models import Action, Case, CaseAssist, CaseEvent, Department, Role, Status, User, direct
from app.models.cases import TEXT_MAX
from dispatch import (
    cohandling,
    deadlines,
    directory,
    linkage,
    pauses,
    reference,
    review,
    settings,
    supervision,
)
from dispatch.errors import InvalidTransition, ValidationFailed
from dispatch.fields import FieldErrors, aware_datetime, boolean, text
from dispatch.transitions import TRANSITIONS, check, lead_id
from notifications import citizen, events

S, R = Status, Role

# Actions after which a paused case's clock runs again (it leaves the department's hands).
CLOCK_MOVES = frozenset({Action.REPLY, Action.RETURN, Action.TRANSFER, Action.TRANSFER_OUT})


def record(
    case: Case,
    action: Action,
    actor: User | None,
    from_status: str | None,
    now: datetime,
    data: dict | None = None,
) -> CaseEvent:
    """Append one history event for `case`."""
    event = CaseEvent(**_event_values(case, action, actor, from_status, now, data))
    db.session.add(event)
    return event


def new_event(
    case: Case,
    action: Action,
    actor: User | None,
    from_status: str | None,
    now: datetime,
    data: dict | None = None,
) -> CaseEvent:
    """One history event for a case being registered, to its current status, for the
    registration to write with it (built without attribute events: app/models/direct.py)."""
    return direct.new(CaseEvent, **_event_values(case, action, actor, from_status, now, data))


def _event_values(case, action, actor, from_status, now, data) -> dict:
    return {
        "case": case,  # a new case gets its id when both are written
        "actor_id": actor.id if actor else None,
        "action": action,
        "from_status": from_status,
        "to_status": case.status,
        "data": data or {},
        "created_at": now,
    }


def announce(case: Case, *, now: datetime, created: bool = False) -> None:
    """Queue the live event of this change for after the commit."""
    rooms = [events.role_room(R.OPERATOR), events.role_room(R.SUPERVISOR)]
    rooms += [events.department_room(d.id) for d in departments_of(case)]
    payload = {
        "number": case.number,
        "status": case.status,
        "priority": case.priority,
        "department": case.department.code if case.department else None,
        "escalation_level": case.escalation_level,
        "accept_overdue": case.accept_overdue,
        "at": now.isoformat(),
    }
    name = events.CASE_CREATED if created else events.CASE_UPDATED
    events.publish(db.session, name, payload, rooms)


def departments_of(case: Case) -> list[Department]:
    lead = [case.department] if case.department else []
    return lead + case.assist_departments


def route(case: Case, decision, now: datetime) -> CaseEvent:
    """Dispatch a case being registered as routing decided (no actor: the system); the
    dispatch event is returned for the registration to write with the case."""
    _to_department(case, decision.department, decision.assists, now, registering=True)
    return new_event(
        case,
        Action.DISPATCH,
        None,
        S.REGISTERED,
        now,
        {
            "department": decision.department.code,
            "assist": [d.code for d in decision.assists],
            **decision.event_data(),
        },
    )


def _to_department(
    case: Case,
    dept: Department,
    assists: list[Department],
    now: datetime,
    registering: bool = False,
):
    """`registering`: the case is being registered, its attributes set without events
    (app/models/direct.py); its assisting departments still join at the flush."""
    values = {
        "department": dept,
        "status": S.DISPATCHED,
        "dispatched_at": now,
        "accepted_at": None,
        "accept_due_at": reference.acceptance_due_for(case, now),  # 签收时限
        "accept_overdue": False,
        "reply_approved_at": None,
        "reworked_at": None,
    }
    if registering:
        direct.fill(case, **values)
    else:
        for name, value in values.items():
            setattr(case, name, value)
    case.assists = _assists_anew(case, dept, assists)


def _assists_anew(case: Case, lead: Department, assists) -> list[CaseAssist]:
    """The case's assisting departments for a new round, each owing its opinion again. A
    department assisting already keeps its row (a new one beside it would break the
    unique (case, department) at the flush, which inserts before it deletes)."""
    held = {assist.department_id: assist for assist in case.assists}
    rows = []
    for department in assists:
        if department.id == lead.id:
            continue
        row = held.get(department.id)
        if row is None:
            row = CaseAssist(department=department)
        else:
            row.opinion, row.opinion_by, row.opinion_at = "", None, None
        rows.append(row)
    return rows


def _reschedule_escalation(case: Case, now: datetime) -> None:
    """After the deadline moved: the next level not yet reached, timed on the new deadline
    (none while the clock is paused: the resume times it)."""
    if case.paused_at is not None:
        case.next_escalation_at = None
        return
    deadline = deadlines.escalation_deadline(case.due_at, case.onsite_due_at)
    step = deadlines.next_escalation(case.escalation_level, case.clock_started_at or now, deadline)
    case.next_escalation_at = step[1] if step else None


def _restart_clock(case: Case, now: datetime) -> None:
    """A reopened case gets a new deadline and starts again at escalation level 0."""
    due = reference.deadlines_for(case, now)
    case.due_at, case.onsite_due_at = due.due_at, due.onsite_due_at
    case.next_escalation_at = due.next_escalation_at
    case.escalation_level = 0
    case.clock_started_at, case.clock_round = now, case.clock_round + 1
    case.extension_until, case.extension_reason = None, ""


# --- the actions: each takes validated params and returns the event data -------------


def _dispatch(case, actor, now, params):
    errors = FieldErrors()
    dept = _department_field(params, "department", errors)
    assists = _assist_field(params, errors)
    errors.raise_if_any()
    _to_department(case, dept, assists, now)
    return {"department": dept.code, "assist": [d.code for d in assists]}


def _accept(case, actor, now, params):
    case.status, case.accepted_at = S.ACCEPTED, now
    return {}


def _reply(case, actor, now, params):
    reply_text = _required_text(params, "text")
    override = cohandling.check_reply(case, params)  # opinions owed: refused or overridden
    case.status, case.replied_at, case.reply_text = S.REPLIED, now, reply_text
    case.reply_approved_at, case.reworked_at = None, None  # waits for review (回复审核)
    case.next_escalation_at = None  # a reply stops the clock
    return {"text": reply_text, **override}


def _rework(case, actor, now, params):
    data = review.rework(case, actor, now, params)
    _reschedule_escalation(case, now)  # the deadline stays; its clock runs again
    return data


def _return(case, actor, now, params):
    reason = _required_text(params, "reason")
    dept = case.department
    case.status, case.department, case.assists = S.REGISTERED, None, []
    case.return_count += 1
    return {"reason": reason, "department": dept.code if dept else None}


def _transfer(case, actor, now, params):
    errors = FieldErrors()
    dept = _department_field(params, "department", errors)
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    if dept is not None and dept.id == lead_id(case):
        errors.add("department", N_("the case is already with this department"))
    errors.raise_if_any()
    previous = case.department.code
    _to_department(case, dept, [], now)
    return {"from_department": previous, "department": dept.code, "reason": reason}


def _callback(case, actor, now, params):
    errors = FieldErrors()
    satisfied = boolean(params, "satisfied", errors)
    note = text(params, "note", errors, max_length=TEXT_MAX)
    errors.raise_if_any()
    return _settle(case, satisfied, now, {"satisfied": satisfied, "note": note})


def _settle(case: Case, satisfied: bool, now: datetime, data: dict) -> dict:
    """The callback's outcome: satisfied closes; not satisfied sends the case back to its
    department for rework (重办) with a new deadline, unless it has already been reworked
    as often as the policy allows, when it closes as not satisfied."""
    case.satisfied = satisfied
    if satisfied or case.clock_round >= settings.rework_limit():
        case.status, case.closed_at = S.CLOSED, now
        case.next_escalation_at = None
        if not satisfied:
            data["rework_limit_reached"] = True
    else:  # back to the same department with the citizen's words
        _to_department(case, case.department, case.assist_departments, now)
        case.replied_at = None
        _restart_clock(case, now)
        data["rework"] = True
    return data


def citizen_callback(case: Case, level: str, note: str, now: datetime, via: str) -> Case:
    """回访 answered by the citizen (an SMS reply to the satisfaction question): `level` is
    satisfied, basically_satisfied or not_satisfied. The case must be awaiting its callback
    (replied) and locked by the caller."""
    if review.state(case) != review.RELEASED:
        raise InvalidTransition(
            Message("case %(number)s is not awaiting a callback", number=case.number)
        )
    from_status = case.status
    satisfied = level != "not_satisfied"
    data = _settle(case, satisfied, now, {"satisfied": satisfied, "level": level, "note": note})
    record(case, Action.CALLBACK, None, from_status, now, {**data, "via": via})
    announce(case, now=now)
    return case


def follow_up(case: Case, text_: str, now: datetime, via: str) -> CaseEvent:
    """市民补充: the caller adds to an open case (status unchanged)."""
    return record(case, Action.FOLLOW_UP, None, case.status, now, {"text": text_, "via": via})


def _close(case, actor, now, params):
    errors = FieldErrors()
    resolution = text(params, "resolution", errors, max_length=TEXT_MAX)
    errors.raise_if_any()
    case.status, case.closed_at, case.resolution = S.CLOSED, now, resolution
    case.next_escalation_at = None
    return {"resolution": resolution}


def _reopen(case, actor, now, params):
    reason = _required_text(params, "reason")
    case.closed_at, case.replied_at, case.reply_approved_at = None, None, None
    linkage.taken_back(case)
    if case.department is not None:
        _to_department(case, case.department, case.assist_departments, now)
    else:
        case.status = S.REGISTERED
    _restart_clock(case, now)
    return {"reason": reason}


def _archive(case, actor, now, params):
    case.status, case.archived_at = S.ARCHIVED, now
    return {}


def _extend(case, actor, now, params):
    errors = FieldErrors()
    until = aware_datetime(params, "until", errors)
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    if until is not None and until <= max(now, case.due_at or now):
        errors.add("until", N_("must be later than the current deadline"))
    errors.raise_if_any()
    case.extension_until, case.extension_reason = until, reason
    return {"until": until.isoformat(), "reason": reason}


def _approve_extension(case, actor, now, params):
    previous, case.due_at = case.due_at, case.extension_until
    _reschedule_escalation(case, now)
    case.extension_until, case.extension_reason = None, ""
    return {"from": previous.isoformat() if previous else None, "until": case.due_at.isoformat()}


def _refuse_extension(case, actor, now, params):
    errors = FieldErrors()
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    errors.raise_if_any()
    asked = case.extension_until.isoformat()
    case.extension_until, case.extension_reason = None, ""
    return {"until": asked, "reason": reason}  # the deadline stays as it was


def _mark_duplicate(case, actor, now, params):
    from dispatch.cases import get_visible

    number = params.get("of")
    if not isinstance(number, str) or not number.strip():
        raise ValidationFailed({"of": N_("is required")})
    try:
        original = get_visible(number.strip(), actor)
    except Exception as exc:
        raise ValidationFailed({"of": N_("unknown case")}) from exc
    if original.id == case.id:
        raise ValidationFailed({"of": N_("a case cannot duplicate itself")})
    case.status, case.closed_at, case.duplicate_of = S.CLOSED, now, original
    case.next_escalation_at = None
    return {"of": original.number}


def _answer_on_call(case, actor, now, params):
    answer = _required_text(params, "text")
    case.status, case.reply_text = S.CLOSED, answer
    case.replied_at = case.closed_at = now
    case.next_escalation_at = None
    return {"text": answer}


def _required_text(params: dict, name: str) -> str:
    errors = FieldErrors()
    value = text(params, name, errors, required=True, max_length=TEXT_MAX)
    errors.raise_if_any()
    return value


def _department_field(params: dict, name: str, errors: FieldErrors) -> Department | None:
    if not params.get(name):
        errors.add(name, N_("is required"))
        return None
    try:
        return directory.department_by_code(params.get(name), name)
    except ValidationFailed as exc:
        errors.add(name, exc.fields[name])
        return None


def _assist_field(params: dict, errors: FieldErrors) -> list[Department]:
    codes = params.get("assist") or []
    if isinstance(codes, str):
        codes = [c for c in codes.replace(",", " ").split() if c]
    if not isinstance(codes, list):
        errors.add("assist", N_("must be a list of department codes"))
        return []
    found = []
    for code in codes:
        try:
            found.append(directory.department_by_code(code, "assist"))
        except ValidationFailed:
            errors.add("assist", Message("unknown department %(code)s", code=repr(code)[:100]))
    return found


HANDLERS: dict[Action, Callable] = {
    Action.DISPATCH: _dispatch,
    Action.ACCEPT: _accept,
    Action.REPLY: _reply,
    Action.APPROVE_REPLY: review.approve_reply,
    Action.REWORK: _rework,
    Action.RETURN: _return,
    Action.TRANSFER: _transfer,
    Action.CALLBACK: _callback,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.ARCHIVE: _archive,
    Action.SUPERVISE: supervision.supervise,
    Action.ANSWER_NOTICE: supervision.answer_notices,
    Action.EXTEND: _extend,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _refuse_extension,
    Action.MARK_DUPLICATE: _mark_duplicate,
    Action.ANSWER_ON_CALL: _answer_on_call,
    Action.ASSIST_OPINION: cohandling.give_opinion,
    Action.PAUSE: pauses.pause,
    Action.RESUME: pauses.resume,
    Action.TRANSFER_OUT: linkage.transfer_out,
}


def act(case: Case, action: Action, actor: User, now: datetime, params: dict | None = None):
    """Take `action` on `case` (locked by the caller) and record it.

    Raises InvalidTransition, NotAllowed or ValidationFailed, having changed nothing.
    """
    check(case, action, actor)
    if action == Action.REPLY:  # refused before anything changes while opinions are owed
        cohandling.check_reply(case, params or {})
    if action in CLOCK_MOVES:  # the department acts on it: a paused clock runs again first
        pauses.end_if_paused(case, now, "department")
    from_status = case.status
    data = HANDLERS[action](case, actor, now, params or {})
    if case.status != S.DISPATCHED:  # accepted, returned or closed: nothing to accept now
        case.accept_due_at, case.accept_overdue = None, False
    record(case, action, actor, from_status, now, data)
    citizen.after_change(case, action, now)
    announce(case, now=now)
    return case


def last_event(case: Case) -> CaseEvent:
    """The newest history event of `case` (flushed)."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    return db.session.scalars(query.limit(1)).one()


def action_from_name(name: str) -> Action:
    """The action of that name; raises ValidationFailed for an unknown one."""
    if name not in {action.value for action in TRANSITIONS}:
        raise ValidationFailed({"action": N_("unknown action")})
    return Action(name)
