"""安全审计: who changed the hotline's setup, what and when.

Every row of the setup's tables that a flush adds, changes or removes is recorded in
`audit_log` in the same transaction (a rolled-back change leaves no record, a committed
one always has its record), with the user of the request that made it (none: the command
line or the scheduler) and each changed field's value before and after. Password hashes
are recorded as changed, never as values; token and key hashes not at all. Cases are not
here: their history (case_events) records every action already. Changes made with bulk
statements instead of the session's objects are not seen, so the setup's services change
objects; nor are lists beside a row (a routing rule's assisting departments).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    ApiToken,
    AuditEntry,
    CalendarOverride,
    Category,
    DeadlinePolicy,
    Department,
    Open311Key,
    RoutingRule,
    SmsTemplate,
    User,
    utcnow,
)

AUDITED = (
    User,
    ApiToken,
    Department,
    Category,
    RoutingRule,
    DeadlinePolicy,
    CalendarOverride,
    SmsTemplate,
    Open311Key,
)
SECRET = {"password_hash"}  # recorded as changed, without its values
LEFT_OUT = {"token_hash", "key_hash", "created_at", "updated_at"}
CHANGED = "(changed)"
PAGE_SIZE = 100


def recent(before_id: int | None = None, limit: int = PAGE_SIZE) -> list[AuditEntry]:
    """The newest entries (older than entry `before_id`, when given), newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context) -> None:
    entries = [
        *(_entry(o, "created") for o in session.new if isinstance(o, AUDITED)),
        *(_entry(o, "changed") for o in session.dirty if isinstance(o, AUDITED)),
        *(_entry(o, "removed") for o in session.deleted if isinstance(o, AUDITED)),
    ]
    entries = [entry for entry in entries if entry is not None]
    if entries:
        actor = _actor()
        now = utcnow()
        for entry in entries:
            entry |= {"at": now, "actor_id": actor[0], "actor_name": actor[1]}
        session.connection().execute(AuditEntry.__table__.insert(), entries)


def _entry(obj, action: str) -> dict | None:
    state = inspect(obj)
    changes = {}
    for column in state.mapper.column_attrs:
        name = column.key
        if name in LEFT_OUT or name == "id":
            continue
        if action == "created":
            before, after = None, getattr(obj, name)
        elif action == "removed":
            before, after = getattr(obj, name), None
        else:
            history = state.attrs[name].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        if name in SECRET:
            changes[name] = [None, CHANGED] if action != "removed" else [CHANGED, None]
        elif action != "changed" and before in (None, "") and after in (None, ""):
            continue  # a new or removed row's empty fields say nothing
        elif before != after:
            changes[name] = [_plain(before), _plain(after)]
    if action == "changed" and not changes:
        return None  # a relationship touched, no column of its own changed
    return {
        "action": action,
        "subject": state.mapper.local_table.name,
        "subject_id": "/".join(str(part) for part in state.mapper.primary_key_from_instance(obj)),
        "label": _label(obj)[:200],
        "changes": changes,
    }


def _label(obj) -> str:
    """What the administrator knows the row by."""
    if isinstance(obj, ApiToken):
        user = obj.user
        return user.username if user is not None else f"user #{obj.user_id}"
    for name in ("username", "code", "name", "day"):
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return ""


def _plain(value):
    """A value as JSON keeps it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _actor() -> tuple[int | None, str]:
    """The request's user, if any (a detached copy is fine: only its id and name)."""
    user = g.get("user") if has_app_context() else None
    if user is None:
        return None, ""
    identity = inspect(user).identity
    return (identity[0] if identity else None), user.username
