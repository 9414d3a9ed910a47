"""Registration (登记) of a case from a call, visit, letter, web form, SMS or transfer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.extensions import db
from app.i18n import N_
from app.models import (
    Action,
    Case,
    CaseEvent,
    Channel,
    IntakeKey,
    OutboxMessage,
    Priority,
    Role,
    StatsDelta,
    Status,
    User,
    direct,
)
from app.models.cases import DESCRIPTION_MAX
from dispatch import (
    directory,
    lifecycle,
    linkage,
    numbering,
    phones,
    reference,
    rollup,
    routing,
    settings,
)
from dispatch.errors import NotAllowed, ValidationFailed
from dispatch.fields import FieldErrors, choice, coordinates, text
from notifications import citizen, outbox

if TYPE_CHECKING:
    from dispatch.intake_keys import Key

INTAKE_ROLES = (Role.OPERATOR, Role.SUPERVISOR)


def register_case(
    data: dict,
    actor: User | None,
    now: datetime,
    *,
    route: bool = True,
    source: str = "",
    receipt: bool = True,
    commits_next: bool = False,
    key: Key | None = None,
) -> Case:
    """Register a case and route it at once when a rule matches (`route=False`: it waits
    for an operator). `source` names the system it came through, kept in the history
    (e.g. "open311:<client system>"); `receipt=False` sends the caller no receipt.
    `commits_next`: the caller commits right after and writes nothing more (the API's
    registration), so on PostgreSQL the case's one statement may commit it (and the case
    then stays out of the session: read its own attributes only). `key`: the
    key it was sent under (dispatch/intake_keys.py), recorded in the same transaction.

    Raises ValidationFailed (fields named), NotAllowed, or Duplicate (a transfer in whose
    reference that hotline sent before); writes nothing on error.
    """
    refuse_unless_registrar(actor)
    fields = _validate(data)
    # Built without attribute events, as its rows are written (app/models/direct.py).
    case = direct.new(Case, status=Status.REGISTERED, created_at=now, **fields)
    linkage.refuse_repeat(case)
    _set_deadlines(case, now)
    decision = routing.pick(case) if route else None  # before the case joins the session
    registered = _registered(case, decision, source)
    history = [lifecycle.new_event(case, Action.REGISTER, actor, None, now, registered)]
    if decision is not None and decision.department is not None:
        history.append(lifecycle.route(case, decision, now))
    with linkage.registering(case):  # a transfer in: once per reference
        if _alone(case, commits_next):
            with direct.lent_connection(db.session.get_bind(), autocommit=True) as lent:
                case_id = _number(case, now, lent)
                # one statement, committing itself
                lent.insert_family(_CASES, *_family(case, case_id, history, now, receipt, key))
        else:
            case_id = _number(case, now)
            _write(case, case_id, history, now, receipt, commits_next, key)
    lifecycle.announce(case, created=True, now=now)
    return case


def refuse_unless_registrar(actor: User | None) -> None:
    """Raises NotAllowed unless `actor` may register cases (None: a system's intake)."""
    if actor is not None and actor.role not in INTAKE_ROLES:
        raise NotAllowed(N_("only operators and supervisors register cases"))


def _alone(case: Case, commits_next: bool) -> bool:
    """Whether the registration of `case` is all of its transaction (`_nothing_else`) and
    the session holds no connection, so that on PostgreSQL its numbering and its one
    statement may be sent on a connection outside the session, each committing itself (a
    read began the session's transaction: a second connection while holding one could
    wait on a pool that other threads hold the same way). The case then stays out of the
    session, which has nothing to do; the caller reads the object's own attributes. The
    session's own bookkeeping (a transaction, a connection lent and given back, the
    commit) and the numbering pool's connection cost about a tenth of such a
    registration's instructions."""
    session = db.session()
    return (
        session.get_bind().dialect.name == "postgresql"
        and _nothing_else(case, commits_next)
        and not direct.holds_connection(session)
    )


def _nothing_else(case: Case, commits_next: bool) -> bool:
    """Whether the registration of `case` is all of its transaction: the caller commits
    next and writes nothing more, no assisting department is left for a flush, and
    nothing else is pending in the session."""
    session = db.session()
    pending = session.new or session.dirty or session.deleted
    return commits_next and not case.__dict__.get("assists") and not pending


def _number(case: Case, now: datetime, lent: direct.Lent | None = None) -> int | None:
    """Give `case` its number (dispatch/numbering.py); on PostgreSQL its id too, returned."""
    number, case_id = numbering.allocate(settings.case_number_prefix(), _local_day(now), lent)
    direct.fill(case, number=number)
    return case_id


def _family(
    case: Case,
    case_id: int,
    history: list[CaseEvent],
    now: datetime,
    receipt: bool,
    key: Key | None,
) -> tuple[dict, list]:
    """The case's row and the rows that go with it (direct.insert_family), `case_id` set."""
    direct.fill(case, id=case_id)
    texts = _texts(case, now) if receipt else []
    row = direct.row_of(case)
    events = [direct.row_of(event) for event in history]
    children = [(_EVENTS, events), (_DELTAS, rollup.deltas_for_new(row)), (_OUTBOX, texts)]
    if key is not None:
        children.append((_KEYS, [key.row(case_id, now)]))
    return row, children


def _write(
    case: Case,
    case_id: int | None,
    history: list[CaseEvent],
    now: datetime,
    receipt: bool,
    commits_next: bool,
    key: Key | None,
) -> None:
    """The case's row, its history, its statistics delta and its texts (the receipt)
    written directly, not through the unit of work (app/models/direct.py): the most
    frequent write of all. PostgreSQL, where numbering took the case's id already, takes
    them in one statement, which commits the transaction too when it is all of it (the
    caller commits next, and no assisting department is left for the flush); SQLite
    (in-process: no round trips) in one insert each, the texts queued once the insert
    gave the case its id. The case joins the session as persistent; its assisting
    departments, if any, follow at the flush."""
    session = db.session()
    connection = session.connection()
    if case_id is not None:
        row, children = _family(case, case_id, history, now, receipt, key)
        alone = _nothing_else(case, commits_next)
        written = direct.insert_family(connection, _CASES, row, children, whole_transaction=alone)
        direct.adopt(session, case, written)
        return
    row = direct.row_of(case)
    deltas = rollup.deltas_for_new(row)
    direct.adopt(session, case, direct.insert_returning_id(connection, _INSERT_CASE, row))
    connection.execute(_EVENTS.insert(), [direct.row_of(event) for event in history])
    if deltas:
        connection.execute(_DELTAS.insert(), deltas)
    if key is not None:
        connection.execute(_KEYS.insert(), key.row(case.id, now))
    if receipt:
        citizen.after_change(case, Action.REGISTER, now)


def _texts(case: Case, now: datetime) -> list[dict]:
    """The outbox rows that the registration of `case` (id set) sends, not yet written."""
    with outbox.collecting() as rows:
        citizen.after_change(case, Action.REGISTER, now)
    return rows


_CASES, _EVENTS, _DELTAS = Case.__table__, CaseEvent.__table__, StatsDelta.__table__
_OUTBOX, _KEYS = OutboxMessage.__table__, IntakeKey.__table__
_INSERT_CASE = _CASES.insert().returning(_CASES.c.id)


def _registered(case: Case, decision, source: str) -> dict:
    """The registration event's data (`source`: the system it came through, if any)."""
    data = {"channel": case.channel}
    if source:
        data["source"] = source
    if case.channel == Channel.TRANSFER:  # 转入: who sent it, and their reference
        data |= {"source_hotline": case.source_hotline, "external_ref": case.external_ref}
    if decision is not None and decision.department is None:  # waits undispatched (待派)
        data["reason"] = decision.reason
    return data


def register_answered(
    data: dict, actor: User, now: datetime, answer: str, *, key: Key | None = None
) -> Case:
    """直接答复: a consultation answered on the call, registered and closed at once (not
    routed). Raises ValidationFailed or NotAllowed (only operators answer); writes nothing
    on error. The caller has the answer already: no receipt (it would quote a deadline)."""
    case = register_case(data, actor, now, route=False, receipt=False, key=key)
    lifecycle.act(case, Action.ANSWER_ON_CALL, actor, now, {"text": answer})
    return case


def _validate(data: object) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed({"body": N_("must be a JSON object")})
    errors = FieldErrors()
    channel = choice(data, "channel", Channel, errors)
    priority = choice(data, "priority", Priority, errors, default=Priority.NORMAL)
    phone = _phone(data, errors)
    fields = {
        "channel": channel,
        "priority": priority,
        "caller_phone": phone,
        "caller_name": text(data, "caller_name", errors, max_length=100),
        "description": text(data, "description", errors, required=True, max_length=DESCRIPTION_MAX),
        "address": text(data, "address", errors, max_length=200),
        "district": text(data, "district", errors, max_length=50),
        **_location(data, errors),
        **linkage.transfer_in_fields(data, channel, errors),
    }
    category = None
    try:
        category = directory.category_by_code(data.get("category"))
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            errors.add(name, message if data.get("category") else "is required")
    errors.raise_if_any()
    fields["category"] = category
    if category.is_emergency:
        fields["priority"] = Priority.EMERGENCY
    return fields


def _location(data: dict, errors: FieldErrors) -> dict:
    """The case's coordinates (位置), when given: both or neither."""
    if "latitude" not in data and "longitude" not in data:
        return {}
    latitude, longitude = coordinates(data, ("latitude", "longitude"), errors)
    return {"latitude": latitude, "longitude": longitude}


def _phone(data: dict, errors: FieldErrors) -> str:
    raw = data.get("caller_phone")
    if raw is None or raw == "":
        errors.add("caller_phone", N_("is required"))
        return ""
    try:
        return phones.normalize(raw, settings.phone_region())
    except phones.InvalidPhone:
        errors.add("caller_phone", N_("not a valid phone number"))
        return ""


def _set_deadlines(case: Case, now: datetime) -> None:
    due = reference.deadlines_for(case, now)
    direct.fill(
        case,
        due_at=due.due_at,
        onsite_due_at=due.onsite_due_at,
        next_escalation_at=due.next_escalation_at,
        clock_started_at=now,
        clock_round=0,
    )


def _local_day(now: datetime):
    return now.astimezone(settings.timezone()).date()
