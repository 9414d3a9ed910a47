"""Who may take which action on a case in which state (the transition table), and the
check every action passes before it changes anything (dispatch/lifecycle.py acts)."""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_, Message
from app.models import Action, Case, Role, Status, User
from dispatch import cohandling, pauses, review, supervision
from dispatch.errors import InvalidTransition, NotAllowed

S, R = Status, Role
OPEN = frozenset({S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.REPLIED})


@dataclass(frozen=True)
class Rule:
    """Who may take an action, from which states; `lead_only`: a handler of the lead dept;
    `reply`: from status replied, only while the reply is waiting for review (review.PENDING)
    or once it was released to the caller (review.RELEASED)."""

    sources: frozenset[Status]
    roles: frozenset[Role]
    lead_only: bool = False
    reply: str | None = None


def _rule(sources, roles, lead_only=False, reply=None) -> Rule:
    return Rule(frozenset(sources), frozenset(roles), lead_only, reply)


PENDING, RELEASED = review.PENDING, review.RELEASED


TRANSITIONS: dict[Action, Rule] = {
    Action.DISPATCH: _rule({S.REGISTERED}, {R.OPERATOR, R.SUPERVISOR}),
    Action.ACCEPT: _rule({S.DISPATCHED}, {R.HANDLER}, lead_only=True),
    Action.REPLY: _rule({S.ACCEPTED}, {R.HANDLER}, lead_only=True),
    Action.RETURN: _rule({S.DISPATCHED, S.ACCEPTED}, {R.HANDLER}, lead_only=True),
    Action.TRANSFER: _rule({S.ACCEPTED}, {R.HANDLER, R.OPERATOR, R.SUPERVISOR}, lead_only=True),
    Action.APPROVE_REPLY: _rule({S.REPLIED}, {R.OPERATOR, R.SUPERVISOR}, reply=PENDING),
    Action.REWORK: _rule({S.REPLIED}, {R.OPERATOR, R.SUPERVISOR}, reply=PENDING),
    Action.CALLBACK: _rule({S.REPLIED}, {R.OPERATOR, R.SUPERVISOR}, reply=RELEASED),
    Action.CLOSE: _rule({S.REPLIED}, {R.OPERATOR, R.SUPERVISOR}, reply=RELEASED),
    Action.REOPEN: _rule({S.REPLIED, S.CLOSED}, {R.SUPERVISOR}, reply=RELEASED),
    Action.ARCHIVE: _rule({S.CLOSED}, {R.OPERATOR, R.SUPERVISOR}),
    Action.SUPERVISE: _rule(OPEN, {R.SUPERVISOR}),
    Action.EXTEND: _rule({S.DISPATCHED, S.ACCEPTED}, {R.HANDLER}, lead_only=True),
    Action.APPROVE_EXTENSION: _rule({S.DISPATCHED, S.ACCEPTED}, {R.SUPERVISOR}),
    Action.REFUSE_EXTENSION: _rule({S.DISPATCHED, S.ACCEPTED}, {R.SUPERVISOR}),
    Action.MARK_DUPLICATE: _rule({S.REGISTERED, S.DISPATCHED}, {R.OPERATOR, R.SUPERVISOR}),
    Action.ANSWER_ON_CALL: _rule({S.REGISTERED, S.DISPATCHED}, {R.OPERATOR}),
    Action.ANSWER_NOTICE: _rule(OPEN, {R.HANDLER}, lead_only=True),
    Action.ASSIST_OPINION: _rule({S.DISPATCHED, S.ACCEPTED}, {R.HANDLER}),
    Action.PAUSE: _rule({S.ACCEPTED}, {R.HANDLER}, lead_only=True),
    Action.RESUME: _rule({S.ACCEPTED}, {R.HANDLER}, lead_only=True),
    # 转出: not this hotline's matter; passed on before any reply (a replied case is
    # settled here by its callback).
    Action.TRANSFER_OUT: _rule(
        {S.REGISTERED, S.DISPATCHED, S.ACCEPTED}, {R.OPERATOR, R.SUPERVISOR}
    ),
}


def may(case: Case, action: Action, actor: User) -> bool:
    """True when `actor` may take `action` on `case` now (for showing buttons)."""
    try:
        check(case, action, actor)
    except (InvalidTransition, NotAllowed):
        return False
    return True


def allowed_actions(case: Case, actor: User) -> list[Action]:
    return [action for action in TRANSITIONS if may(case, action, actor)]


def check(case: Case, action: Action, actor: User) -> None:
    """Raise InvalidTransition or NotAllowed unless `actor` may take `action` now."""
    rule = TRANSITIONS[action]
    if case.status not in rule.sources:
        raise InvalidTransition(_state_message(case, action), status=case.status)
    if actor.role not in rule.roles:
        raise NotAllowed(
            Message("role %(role)s may not %(action)s a case", role=actor.role, action=action.value)
        )
    if rule.lead_only and actor.role == R.HANDLER and actor.department_id != lead_id(case):
        raise NotAllowed(
            Message("only the lead department may %(action)s this case", action=action.value)
        )
    if rule.reply is not None:
        review.check(case, rule.reply)
    if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION) and not case.extension_until:
        raise InvalidTransition(N_("no extension has been requested"))
    if action == Action.ANSWER_NOTICE and not supervision.open_notices_of(case):
        raise InvalidTransition(N_("the case has no open supervision notice"))
    if action == Action.EXTEND and case.extension_until is not None:
        raise InvalidTransition(N_("an extension request is already waiting for approval"))
    if action == Action.ASSIST_OPINION:
        cohandling.check_opinion(case, actor)
    if action == Action.PAUSE:
        pauses.check_pause(case)
    if action == Action.RESUME:
        pauses.check_resume(case)


def lead_id(case: Case) -> int | None:
    """The lead department's id, also right after a dispatch or transfer not yet flushed
    (those set the relationship; the foreign key column follows at the flush)."""
    return case.department.id if case.department is not None else None


def _state_message(case: Case, action: Action) -> str:
    """Why `action` cannot be taken now; names the department a dispatched case went to
    (the winner, when several dispatch or transfer at once)."""
    if case.status in (S.DISPATCHED, S.ACCEPTED) and case.department:
        department = f"{case.department.name} ({case.department.code})"
        return Message(
            "cannot %(action)s: case %(number)s is already %(status)s to %(department)s",
            action=action.value,
            number=case.number,
            status=case.status,
            department=department,
        )
    return Message(
        "cannot %(action)s: case %(number)s is %(status)s",
        action=action.value,
        number=case.number,
        status=case.status,
    )
