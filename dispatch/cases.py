"""Reading cases as a user may see them: visibility, lookup with a row lock, and search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_
from app.models import Case, CaseAssist, Category, Department, Role, Status, User
from dispatch import phones
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import clean_text

WAITING_FOR_REPLY = (Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED)
MAX_PER_PAGE = 100


def visible_to(user: User) -> Select:
    """The cases `user` may see: a handler only its department's (lead or assisting)."""
    query = select(Case)
    if user.role == Role.HANDLER:
        assisting = exists().where(
            CaseAssist.case_id == Case.id, CaseAssist.department_id == user.department_id
        )
        query = query.where(or_(Case.department_id == user.department_id, assisting))
    return query


def get_visible(number: str, user: User, *, for_update: bool = False) -> Case:
    """The case with this number if `user` may see it; raises NotFound otherwise."""
    if clean_text(number) is None or len(number) > 20:
        raise NotFound("no such case")
    query = visible_to(user).where(Case.number == number)
    case = db.session.scalars(query).first()
    if case is None:
        raise NotFound(f"no case {number}")
    if for_update:
        lock = select(Case).where(Case.id == case.id).with_for_update()
        case = db.session.scalars(lock.execution_options(populate_existing=True)).one()
    return case


def can_see_caller(user: User | None, case: Case) -> bool:
    """Name and full number: operators and supervisors, and the lead department's handlers."""
    if user is None:
        return False
    if user.role in (Role.OPERATOR, Role.SUPERVISOR):
        return True
    return user.role == Role.HANDLER and case.department_id == user.department_id


@dataclass
class CaseFilter:
    status: str | None = None
    department: str | None = None
    category: str | None = None
    phone: str | None = None
    q: str | None = None
    overdue: bool = False
    page: int = 1
    per_page: int = 25


@dataclass
class CasePage:
    items: list[Case]
    total: int
    page: int
    per_page: int


def search(user: User, wanted: CaseFilter, now: datetime, region: str = "CN") -> CasePage:
    """One page of the cases `user` may see that match `wanted`, newest first. A search by
    the caller's number looks only where `user` may see the caller (can_see_caller): else
    matching the masked number to a full one would disclose it, a guess at a time."""
    query = _apply(_where_callers_seen(user, wanted), wanted, now, region)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Case.category), selectinload(Case.department))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(wanted.per_page)
        .offset((wanted.page - 1) * wanted.per_page)
    ).all()
    return CasePage(list(items), total, wanted.page, wanted.per_page)


def callers_seen(query: Select, user: User) -> Select | None:
    """`query` narrowed to the cases whose caller `user` may see (can_see_caller), for
    lookups by the caller's number; None when `user` sees no caller."""
    if user.role in (Role.OPERATOR, Role.SUPERVISOR):
        return query
    if user.role == Role.HANDLER:  # the lead department's cases, not those it assists on
        return query.where(Case.department_id == user.department_id)
    return None


def _where_callers_seen(user: User, wanted: CaseFilter) -> Select:
    query = visible_to(user)
    if not wanted.phone:
        return query
    narrowed = callers_seen(query, user)
    if narrowed is None:
        message = N_("your role may not look cases up by the caller's number")
        raise ValidationFailed({"phone": message})
    return narrowed


def _apply(query: Select, wanted: CaseFilter, now: datetime, region: str) -> Select:
    errors: dict[str, str] = {}
    for name in ("status", "department", "category", "phone", "q"):
        value = getattr(wanted, name)
        if value is not None and clean_text(value) is None:
            raise ValidationFailed({name: N_("must be text")})
    if wanted.status:
        if wanted.status not in set(Status):
            errors["status"] = N_("unknown status")
        query = query.where(Case.status == wanted.status)
    if wanted.department:
        dept = db.session.scalar(select(Department.id).where(Department.code == wanted.department))
        if dept is None:
            errors["department"] = N_("unknown department")
        query = query.where(Case.department_id == dept)
    if wanted.category:
        cat = db.session.scalar(select(Category.id).where(Category.code == wanted.category))
        if cat is None:
            errors["category"] = N_("unknown category")
        query = query.where(Case.category_id == cat)
    if wanted.phone:
        try:
            query = query.where(Case.caller_phone == phones.normalize(wanted.phone, region))
        except phones.InvalidPhone:
            errors["phone"] = N_("not a valid phone number")
    if wanted.q:
        like = "%" + wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Case.number == wanted.q.strip(),
                Case.external_ref == wanted.q.strip(),  # another hotline's reference
                Case.description.like(like, escape="\\"),
                Case.address.like(like, escape="\\"),
            )
        )
    if wanted.overdue:
        query = query.where(Case.status.in_(WAITING_FOR_REPLY), Case.due_at < now)
    if errors:
        raise ValidationFailed(errors)
    return query


def earlier_cases(phone: str, limit: int = 20) -> list[Case]:
    """A caller's cases, newest first (the intake form's history panel)."""
    query = (
        select(Case).where(Case.caller_phone == phone).order_by(Case.created_at.desc()).limit(limit)
    )
    return list(db.session.scalars(query))
