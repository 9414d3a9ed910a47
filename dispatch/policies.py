"""办理时限 administration: the deadline policy table over the built-in defaults (add,
change, remove). dispatch/deadlines.py says how a policy is chosen for a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.i18n import N_, Message
from app.models import Category, Channel, DeadlinePolicy, Priority
from dispatch import deadlines, reference
from dispatch.deadlines import Policy, Unit
from dispatch.errors import NotFound
from dispatch.fields import FieldErrors, one_of, text, whole_number

MAX_AMOUNT = {Unit.WORKING_DAYS: 100, Unit.CALENDAR_DAYS: 365, Unit.HOURS: 24 * 30}
MAX_ONSITE_HOURS = 72
MAX_ACCEPT_MINUTES = 7 * 24 * 60  # a week


def list_policies() -> list[DeadlinePolicy]:
    """The table's rows, most general first."""
    rows = db.session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.id))
    return sorted(rows, key=lambda p: (p.priority or "", _code(p), p.channel or ""))


def defaults_in_force() -> list[Policy]:
    """The built-in defaults that no row of the table replaces."""
    keys = {(p.channel, p.priority, _code(p) or None) for p in list_policies()}
    return [p for p in deadlines.DEFAULT_POLICIES if p.key not in keys]


def get_policy(policy_id: int) -> DeadlinePolicy:
    """One row; raises NotFound."""
    policy = db.session.get(DeadlinePolicy, policy_id)
    if policy is None:
        raise NotFound("no such deadline policy")
    return policy


def save_policy(data: dict, policy: DeadlinePolicy | None, now: datetime) -> DeadlinePolicy:
    """Add a policy or change one; raises ValidationFailed (a duplicate key too)."""
    errors = FieldErrors()
    channel = _optional(data, "channel", Channel, errors)
    priority = _optional(data, "priority", Priority, errors)
    category = _category(data, errors)
    unit = _optional(data, "reply_unit", Unit, errors)
    if unit is None:
        errors.add("reply_unit", N_("is required"))
    amount = _number(data, "reply_amount", 1, MAX_AMOUNT.get(unit, 365), errors, required=True)
    onsite = _number(data, "onsite_hours", 1, MAX_ONSITE_HOURS, errors)
    if priority == Priority.EMERGENCY and onsite is None and "onsite_hours" not in errors.errors:
        errors.add("onsite_hours", N_("is required for emergencies"))
    if priority != Priority.EMERGENCY and onsite is not None:
        errors.add("onsite_hours", N_("only for emergency policies"))
    accept = _number(data, "accept_minutes", 1, MAX_ACCEPT_MINUTES, errors)
    note = text(data, "note", errors, max_length=200)
    clash = _same_key(channel, priority, category)
    if clash is not None and clash is not policy:
        errors.add("channel", N_("a policy for this channel, priority and category exists"))
    errors.raise_if_any()
    policy = policy or DeadlinePolicy()
    policy.channel, policy.priority, policy.category = channel, priority, category
    policy.reply_unit, policy.reply_amount, policy.onsite_hours = unit, amount, onsite
    policy.accept_minutes = accept
    policy.note, policy.updated_at = note, now
    db.session.add(policy)
    reference.bump(reference.POLICIES, now)
    db.session.flush()
    return policy


def delete_policy(policy_id: int, now: datetime) -> None:
    """Remove a row (the built-in default of its key, if any, applies again); NotFound."""
    db.session.delete(get_policy(policy_id))
    reference.bump(reference.POLICIES, now)
    db.session.flush()


def _code(policy: DeadlinePolicy) -> str:
    return policy.category.code if policy.category else ""


def _optional(data: dict, name: str, options: type, errors: FieldErrors):
    raw = data.get(name)
    if raw in (None, "", "any"):
        return None
    try:
        return options(raw).value
    except (ValueError, TypeError):
        errors.add(name, one_of(options))
        return None


def _category(data: dict, errors: FieldErrors) -> Category | None:
    code = data.get("category")
    if code in (None, "", "any"):
        return None
    found = None
    if isinstance(code, str) and len(code) <= 32:
        found = db.session.scalar(select(Category).where(Category.code == code))
    if found is None:
        errors.add("category", N_("unknown code"))
    return found


def _number(data, name, low, high, errors, required=False) -> int | None:
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors.add(name, N_("is required"))
        return None
    value = whole_number(raw)
    if value is None:
        errors.add(name, N_("must be a whole number"))
        return None
    if not low <= value <= high:
        errors.add(name, Message("must be from %(low)s to %(high)s", low=low, high=high))
        return None
    return value


def _same_key(channel, priority, category) -> DeadlinePolicy | None:
    stmt = select(DeadlinePolicy).where(
        _is(DeadlinePolicy.channel, channel),
        _is(DeadlinePolicy.priority, priority),
        _is(DeadlinePolicy.category_id, category.id if category else None),
    )
    return db.session.scalars(stmt).first()


def _is(column, value):
    return column.is_(None) if value is None else column == value
