"""The escalation sweep: claim cases whose next escalation is due, raise each level once,
record it, and queue its notices. Safe to run twice, in two processes at once.

A batch is handled set-wise in SQL Core (one claim query, one level insert, one history
insert, one outbox insert, one case update), so that a backlog of hundreds of thousands
drains in about a minute; the cost follows the cases escalated, not the cases stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import (
    Action,
    Case,
    CaseEscalation,
    CaseEvent,
    Category,
    Department,
    Role,
    SupervisionNotice,
    User,
)
from app.models.escalations import LEVEL_NAMES
from dispatch import bulk, deadlines, settings
from notifications import events, outbox, templates

BATCH = 2000
CLAIMED_COLUMNS = (
    Case.id,
    Case.number,
    Case.status,
    Case.priority,
    Case.department_id,
    Case.category_id,
    Case.created_at,
    Case.due_at,
    Case.onsite_due_at,
    Case.clock_started_at,
    Case.clock_round,
    Case.escalation_level,
    Case.next_escalation_at,
    Case.supervised,
)


@dataclass(frozen=True)
class Escalated:
    number: str
    level: int
    department: str | None


@dataclass
class Batch:
    claimed: int
    escalated: list[Escalated]


@dataclass
class _Claimed:
    """The columns of a claimed case that the sweep reads and moves on."""

    id: int
    number: str
    status: str
    priority: str
    department_id: int | None
    category_id: int
    created_at: datetime
    due_at: datetime
    onsite_due_at: datetime | None
    clock_started_at: datetime | None
    clock_round: int
    escalation_level: int
    next_escalation_at: datetime | None
    supervised: bool


@dataclass(frozen=True)
class _Step:
    case: _Claimed
    level: int
    deadline: datetime
    due_at: datetime


def sweep(
    now: datetime, limit: int = BATCH, recheck: Callable[[], datetime] | None = None
) -> Batch:
    """Escalate one batch of due cases; call again (after commit) until nothing is claimed.

    Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite's BEGIN IMMEDIATE
    serialises sweeps); the unique (case, round, level) key is the final guarantee.

    `recheck` reads the wall clock again once the rows are claimed; the batch goes by that
    reading when it is the earlier. On PostgreSQL each statement sees what was committed
    until it began, so the claim also sees cases registered after `now` was read: when
    the clock stepped back in between, such a case would be judged by a time it never
    saw (a case due for its warning taken for overdue).
    """
    db.session.flush()
    connection = db.session.connection()
    query = (
        select(*CLAIMED_COLUMNS)
        .where(Case.next_escalation_at <= now)
        .order_by(Case.next_escalation_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = [_Claimed(**row._mapping) for row in connection.execute(query)]
    if recheck is not None:
        now = min(now, recheck())
    steps = [step for case in claimed for step in _due_steps(case, now)]
    won = _claim_levels(steps, now)
    reached = [s for s in steps if (s.case.id, s.case.clock_round, s.level) in won]
    if reached:
        _record(reached, now)
    _save(claimed)
    db.session.expire_all()  # the ORM's copies of these cases are stale now
    codes = _department_codes()
    return Batch(
        len(claimed),
        [Escalated(s.case.number, s.level, codes.get(s.case.department_id)) for s in reached],
    )


def _due_steps(case: _Claimed, now: datetime) -> list[_Step]:
    """The levels `case` reaches by `now`; moves its level and next escalation time on."""
    deadline = deadlines.escalation_deadline(case.due_at, case.onsite_due_at)
    start = case.clock_started_at or case.created_at
    steps = []
    while case.next_escalation_at is not None and case.next_escalation_at <= now:
        step = deadlines.next_escalation(case.escalation_level, start, deadline)
        if step is None:
            case.next_escalation_at = None
            break
        steps.append(_Step(case, step[0], deadline, case.next_escalation_at))
        case.escalation_level = step[0]
        following = deadlines.next_escalation(step[0], start, deadline)
        case.next_escalation_at = following[1] if following else None
    return steps


def _dialect_insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _claim_levels(steps: list[_Step], now: datetime) -> set[tuple[int, int, int]]:
    """Insert the levels; the ones that were not there already are ours to announce."""
    if not steps:
        return set()
    table = CaseEscalation.__table__
    stmt = (
        _dialect_insert(table)
        .on_conflict_do_nothing(index_elements=["case_id", "round", "level"])
        .returning(table.c.case_id, table.c.round, table.c.level)
    )
    rows = [
        {
            "case_id": s.case.id,
            "round": s.case.clock_round,
            "level": s.level,
            "deadline_at": s.deadline,
            "due_at": s.due_at,
            "escalated_at": now,
        }
        for s in steps
    ]
    if bulk.is_postgres():
        return bulk.claim_levels(rows, now)
    return {tuple(row) for row in db.session.connection().execute(stmt, rows)}


def _record(reached: list[_Step], now: datetime) -> None:
    connection = db.session.connection()
    if bulk.is_postgres():
        rows = [
            {"case_id": s.case.id, "status": s.case.status, "data": _event_data(s)} for s in reached
        ]
        bulk.insert_events(rows, Action.ESCALATE, now)
    else:
        connection.execute(insert(CaseEvent.__table__), [_event_row(s, now) for s in reached])
    notices = [s for s in reached if s.level == 2]
    if notices:
        connection.execute(
            insert(SupervisionNotice.__table__),
            [
                {
                    "case_id": s.case.id,
                    "reason": "overdue",
                    "status": "open",
                    "opened_at": now,
                    "comment": "",  # the page says why: the reason, overdue
                    "answer_text": "",
                }
                for s in notices
            ],
        )
        for step in notices:
            step.case.supervised = True
    departments, categories = _departments(), _category_names()
    texts = (_sms(s, departments.get(s.case.department_id), categories, now) for s in reached)
    messages = [text for text in texts if text is not None]
    messages += _to_supervisors([s for s in reached if s.level == 3], categories, now)
    if bulk.is_postgres() and messages:
        bulk.insert_outbox(
            [
                {
                    "key": m.key,
                    "case_id": m.case_id,
                    "template": m.template,
                    "phone": m.to_phone,
                    "body": m.body,
                }
                for m in messages
            ],
            now,
        )
    else:
        outbox.queue_many(messages)
    for step in reached:
        _publish(step, departments.get(step.case.department_id), now)


def _save(claimed: list[_Claimed]) -> None:
    if not claimed:
        return
    stmt = (
        update(Case.__table__)
        .where(Case.__table__.c.id == bindparam("case_id"))
        .values(
            escalation_level=bindparam("level"),
            next_escalation_at=bindparam("next_at"),
            supervised=bindparam("flagged"),
        )
    )
    rows = [
        {
            "case_id": c.id,
            "level": c.escalation_level,
            "next_at": c.next_escalation_at,
            "flagged": c.supervised,
        }
        for c in claimed
    ]
    if bulk.is_postgres():
        bulk.update_cases(rows)
    else:
        db.session.connection().execute(stmt, rows)


def _event_data(step: _Step) -> dict:
    return {
        "level": step.level,
        "name": LEVEL_NAMES[step.level],
        "deadline": step.deadline.isoformat(),
    }


def _event_row(step: _Step, now: datetime) -> dict:
    data = _event_data(step)
    return {
        "case_id": step.case.id,
        "actor_id": None,
        "action": Action.ESCALATE,
        "from_status": step.case.status,
        "to_status": step.case.status,
        "data": data,
        "created_at": now,
    }


def _departments() -> dict[int, Department]:
    return {d.id: d for d in db.session.scalars(select(Department))}


def _department_codes() -> dict[int, str]:
    return dict(db.session.execute(select(Department.id, Department.code)).all())


def _category_names() -> dict[int, str]:
    return dict(db.session.execute(select(Category.id, Category.name)).all())


def _sms(
    step: _Step, dept: Department | None, categories: dict[int, str], now: datetime
) -> outbox.Message | None:
    """Level 1 to the department's on-call phone, levels 2 and 3 to its head."""
    phone = None if dept is None else (dept.oncall_phone if step.level == 1 else dept.head_phone)
    if not phone:
        return None
    template = f"escalation_{step.level}"
    return outbox.Message(_key(step), phone, _text(step, categories), template, now, step.case.id)


def _key(step: _Step) -> str:
    return f"case:{step.case.id}:escalation:{step.case.clock_round}:{step.level}"


def _text(step: _Step, categories: dict[int, str]) -> str:
    case = step.case
    local = step.deadline.astimezone(settings.timezone())
    return templates.render(
        f"escalation_{step.level}",
        number=case.number,
        category=categories[case.category_id],
        deadline=local.strftime("%m-%d %H:%M"),
    )


def _to_supervisors(
    serious: list[_Step], categories: dict[int, str], now: datetime
) -> list[outbox.Message]:
    """Level 3 goes to the hotline's supervisors too (those with a mobile number)."""
    if not serious:
        return []
    query = select(User.id, User.phone).where(
        User.role == Role.SUPERVISOR, User.active.is_(True), User.phone.is_not(None)
    )
    supervisors = db.session.execute(query).all()
    return [
        outbox.Message(
            f"{_key(step)}:user{user_id}",
            phone,
            _text(step, categories),
            "escalation_3",
            now,
            step.case.id,
        )
        for step in serious
        for user_id, phone in supervisors
    ]


def _publish(step: _Step, dept: Department | None, now: datetime) -> None:
    case = step.case
    rooms = [events.role_room(Role.OPERATOR), events.role_room(Role.SUPERVISOR)]
    if dept is not None:
        rooms.append(events.department_room(dept.id))
    payload = {
        "number": case.number,
        "level": step.level,
        "status": case.status,
        "priority": case.priority,
        "department": dept.code if dept else None,
        "at": now.isoformat(),
    }
    events.publish(db.session, events.CASE_ESCALATED, payload, rooms)
