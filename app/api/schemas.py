"""How cases, events, departments and categories look in JSON (caller masked by role)."""

from __future__ import annotations

from datetime import datetime

from app.models import Case, CaseEvent, Category, Department, User
from dispatch import phones
from dispatch.cases import can_see_caller


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def department_json(dept: Department | None) -> dict | None:
    if dept is None:
        return None
    return {"code": dept.code, "name": dept.name, "name_en": dept.name_en, "active": dept.active}


def category_json(cat: Category) -> dict:
    return {
        "code": cat.code,
        "name": cat.name,
        "name_en": cat.name_en,
        "parent": cat.parent.code if cat.parent else None,
        "default_department": cat.default_department.code if cat.default_department else None,
        "is_emergency": cat.is_emergency,
        "active": cat.active,
    }


def case_json(case: Case, viewer: User | None, with_events: bool = False) -> dict:
    full = can_see_caller(viewer, case)
    body = {
        "number": case.number,
        "channel": case.channel,
        "status": case.status,
        "priority": case.priority,
        "category": case.category.code,
        "category_name": case.category.name,
        "department": case.department.code if case.department else None,
        "department_name": case.department.name if case.department else None,
        "assist_departments": [d.code for d in case.assist_departments],
        "caller_phone": case.caller_phone if full else phones.mask(case.caller_phone),
        "caller_name": case.caller_name if full else "",
        "description": case.description,
        "address": case.address,
        "district": case.district,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "external_ref": case.external_ref,
        "source_hotline": case.source_hotline,
        "transferred_to": case.transferred_to,
        "transferred_ref": case.transferred_ref,
        "created_at": iso(case.created_at),
        "due_at": iso(case.due_at),
        "onsite_due_at": iso(case.onsite_due_at),
        "dispatched_at": iso(case.dispatched_at),
        "accepted_at": iso(case.accepted_at),
        "replied_at": iso(case.replied_at),
        "reply_approved_at": iso(case.reply_approved_at),
        "closed_at": iso(case.closed_at),
        "archived_at": iso(case.archived_at),
        "reply_text": case.reply_text,
        "resolution": case.resolution,
        "escalation_level": case.escalation_level,
        "satisfied": case.satisfied,
        "supervised": case.supervised,
        "return_count": case.return_count,
        "extension_requested_until": iso(case.extension_until),
        "duplicate_of": case.duplicate_of.number if case.duplicate_of else None,
    }
    if with_events:
        body["events"] = [event_json(e) for e in case.events]
    return body


def event_json(event: CaseEvent) -> dict:
    return {
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor.username if event.actor else None,
        "actor_role": event.actor.role if event.actor else "system",
        "data": event.data,
        "at": iso(event.created_at),
    }
