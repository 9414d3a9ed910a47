"""疑似重复: the cases that are possibly the same matter as a new one: the same caller's
number, or the same address and category, within 30 days. Suggested while the operator
types at intake and on the case page; linking is the lifecycle's `mark_duplicate`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, Category, User
from dispatch.cases import callers_seen, can_see_caller, visible_to

WINDOW = timedelta(days=30)
LIMIT = 10
SAME_PHONE, SAME_PLACE = "phone", "address_category"


@dataclass(frozen=True)
class Suggestion:
    case: Case
    reasons: tuple[str, ...]  # SAME_PHONE and/or SAME_PLACE


def normalize_address(address: object) -> str:
    """The address as intake stores it (trimmed); '' for anything that is not text."""
    return address.strip() if isinstance(address, str) else ""


def suggest(
    viewer: User,
    *,
    phone: str | None,
    address: str,
    category: Category | None,
    until: datetime,
    exclude: Case | None = None,
    limit: int = LIMIT,
) -> list[Suggestion]:
    """Cases `viewer` may see, registered in the 30 days up to `until`, with the same
    number (E.164; among the cases whose caller `viewer` may see) or the same address and
    category; newest first, each once."""
    base = visible_to(viewer).where(
        Case.created_at >= until - WINDOW,
        Case.created_at <= until,
        Case.duplicate_of_id.is_(None),  # a duplicate points at its original: suggest that
    )
    if exclude is not None:
        base = base.where(Case.id != exclude.id)
    found: dict[int, tuple[Case, list[str]]] = {}
    address = normalize_address(address)
    queries = []
    seen = callers_seen(base, viewer) if phone else None  # else the match tells the number
    if seen is not None:
        queries.append((SAME_PHONE, seen.where(Case.caller_phone == phone)))
    if address and category is not None:
        where = (Case.address == address, Case.category_id == category.id)
        queries.append((SAME_PLACE, base.where(*where)))
    for reason, query in queries:  # each one range scan of its index
        query = query.options(selectinload(Case.category), selectinload(Case.department))
        for case in db.session.scalars(query.order_by(Case.created_at.desc()).limit(limit)):
            found.setdefault(case.id, (case, []))[1].append(reason)
    ordered = sorted(found.values(), key=lambda item: (item[0].created_at, item[0].id))
    return [Suggestion(case, tuple(reasons)) for case, reasons in reversed(ordered)][:limit]


def for_case(case: Case, viewer: User) -> list[Suggestion]:
    """The possible originals of a registered case: earlier cases within 30 days of it. By
    its caller's number only for a viewer who may see that number: a case of the viewer's
    own found by it would show it in full."""
    return suggest(
        viewer,
        phone=case.caller_phone if can_see_caller(viewer, case) else None,
        address=case.address,
        category=case.category,
        until=case.created_at,
        exclude=case,
    )
