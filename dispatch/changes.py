"""What changed since a moment: the catch-up a live page asks for after reconnecting, read
from the append-only history, in the shape of the live events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Action, Case, CaseEvent, User
from dispatch.cases import visible_to
from notifications import events

MAX_CHANGES = 500


def event_name(action: str) -> str:
    if action == Action.REGISTER:
        return events.CASE_CREATED
    if action == Action.ESCALATE:
        return events.CASE_ESCALATED
    return events.CASE_UPDATED


def since(user: User, moment: datetime, limit: int = MAX_CHANGES) -> list[dict]:
    """Changes to cases `user` may see, after `moment`, oldest first (at most `limit`)."""
    visible = visible_to(user).with_only_columns(Case.id).scalar_subquery()
    query = (
        select(CaseEvent, Case.number, Case.priority)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.created_at > moment, CaseEvent.case_id.in_(visible))
        .order_by(CaseEvent.created_at, CaseEvent.id)
        .limit(limit)
    )
    changes = []
    for event, number, priority in db.session.execute(query):
        change = {
            "event": event_name(event.action),
            "number": number,
            "action": event.action,
            "status": event.to_status,
            "priority": priority,
            "at": event.created_at.isoformat(),
        }
        if event.action == Action.ESCALATE:
            change["level"] = event.data.get("level")
        changes.append(change)
    return changes
