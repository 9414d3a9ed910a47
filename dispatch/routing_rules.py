"""The admin's routing rules (分派规则): list, create, edit, reorder, (de)activate, try out.

Every change raises the routing revision (routing.note_change) in the same transaction, so
each process compiles its matcher again on its next case.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_, Message
from app.models import Channel, Department, Priority, RoutingRule
from dispatch import directory, routing, words
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import FieldErrors, clean_text, one_of, text, whole_number

KEYWORD_MAX = 50
KEYWORDS_PER_RULE = 500
_SEPARATORS = re.compile(r"[\n,，;；、]+")


def list_rules() -> list[RoutingRule]:
    """All rules, in the order they are tried."""
    query = (
        select(RoutingRule)
        .options(selectinload(RoutingRule.assists), selectinload(RoutingRule.category))
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    return list(db.session.scalars(query))


def get_rule(rule_id: int) -> RoutingRule:
    """A rule by id; raises NotFound."""
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule


def parse_keywords(raw: object, errors: FieldErrors) -> list[str]:
    """Keywords one per line (or separated by , ; 、), each normalized; a phrase is words
    separated by spaces."""
    if raw is None or raw == "":
        return []
    value = clean_text(raw)
    if value is None:
        errors.add("keywords", N_("must be text"))
        return []
    found: list[str] = []
    for piece in _SEPARATORS.split(value):
        keyword = words.normalize(piece)
        if not keyword or keyword in found:
            continue
        if len(keyword) > KEYWORD_MAX:
            errors.add(
                "keywords",
                Message(
                    "each keyword at most %(n)d characters: %(keyword)s",
                    n=KEYWORD_MAX,
                    keyword=keyword,
                ),
            )
        found.append(keyword)
    if len(found) > KEYWORDS_PER_RULE:
        errors.add("keywords", Message("at most %(n)d keywords per rule", n=KEYWORDS_PER_RULE))
    return found


def save_rule(data: dict, rule: RoutingRule | None, now: datetime) -> RoutingRule:
    """Create or update a rule from form data; raises ValidationFailed, writing nothing."""
    errors = FieldErrors()
    fields = {
        "name": text(data, "name", errors, required=True, max_length=100),
        "keywords": parse_keywords(data.get("keywords"), errors),
        "district": text(data, "district", errors, max_length=50),
        "channel": _optional_choice(data, "channel", Channel, errors),
        "priority": _optional_choice(data, "priority", Priority, errors),
        "category": _optional_category(data, errors),
        "department": _department(data, "department", errors),
        "assists": _assists(data, errors),
    }
    position = _position(data, errors)
    lead = fields["department"]
    if lead is not None and any(d.id == lead.id for d in fields["assists"]):
        errors.add("assist", N_("the lead department cannot also assist"))
    if not any(fields[n] for n in ("keywords", "district", "channel", "priority", "category")):
        errors.add("keywords", N_("give at least one condition (keyword, category, district, …)"))
    errors.raise_if_any()
    is_new = rule is None
    rule = rule or RoutingRule(created_at=now, position=0)
    rule.name, rule.keywords = fields["name"], "\n".join(fields["keywords"])
    for name in ("district", "channel", "priority"):
        setattr(rule, name, fields[name])
    rule.category, rule.department, rule.assists = fields["category"], lead, fields["assists"]
    rule.active = data.get("active") in (True, "1", "on", "true") if "active" in data else True
    rule.updated_at = now
    db.session.add(rule)
    _place(rule, position, is_new)
    routing.note_change(now)
    db.session.flush()
    return rule


def move_rule(rule: RoutingRule, direction: str, now: datetime) -> None:
    """Move a rule one place up (tried earlier) or down; raises ValidationFailed."""
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": N_("up or down")})
    ordered = list_rules()
    index = ordered.index(rule)
    _place(rule, index + (0 if direction == "up" else 2), False)
    rule.updated_at = now
    routing.note_change(now)


def set_rule_active(rule: RoutingRule, active: bool, now: datetime) -> None:
    """Switch a rule on or off (an inactive rule is kept, and never fires)."""
    rule.active, rule.updated_at = active, now
    routing.note_change(now)


def try_route(data: dict) -> routing.Decision:
    """What routing would decide for these fields (the admin's "try it"); raises
    ValidationFailed for a missing description or an unknown category."""
    errors = FieldErrors()
    description = text(data, "description", errors, required=True, max_length=5000)
    category = _optional_category(data, errors)
    district = text(data, "district", errors, max_length=50)
    channel = _optional_choice(data, "channel", Channel, errors)
    priority = _optional_choice(data, "priority", Priority, errors)
    errors.raise_if_any()
    return routing.decide(description, category, district, channel, priority)


def _place(rule: RoutingRule, position: int | None, is_new: bool) -> None:
    """Put `rule` at `position` (1 = tried first; None: where it is, or last if new) and
    number all rules 1, 2, 3… in order."""
    others = [r for r in list_rules() if r is not rule]
    if position is None:
        position = len(others) + 1 if is_new else _rank(rule, others) + 1
    index = min(max(position, 1), len(others) + 1) - 1
    others.insert(index, rule)
    for number, item in enumerate(others, start=1):
        if item.position != number:
            item.position = number


def _rank(rule: RoutingRule, others: list[RoutingRule]) -> int:
    return sum(1 for r in others if (r.position, r.id) < (rule.position, rule.id))


def _position(data: dict, errors: FieldErrors) -> int | None:
    raw = data.get("position")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = whole_number(raw, 1, 1_000_000)
    if value is None:
        errors.add("position", N_("a whole number from 1"))
        return None
    return value


def _optional_choice(data: dict, name: str, options: type, errors: FieldErrors) -> str:
    raw = data.get(name)
    if raw in (None, ""):
        return ""
    try:
        return options(raw).value
    except (ValueError, TypeError):
        errors.add(name, one_of(options))
        return ""


def _optional_category(data: dict, errors: FieldErrors):
    if not data.get("category"):
        return None
    try:
        return directory.category_by_code(data.get("category"))
    except ValidationFailed as exc:
        errors.add("category", exc.fields["category"])
        return None


def _department(data: dict, name: str, errors: FieldErrors) -> Department | None:
    if not data.get(name):
        errors.add(name, N_("is required"))
        return None
    try:
        return directory.department_by_code(data.get(name), name)
    except ValidationFailed as exc:
        errors.add(name, exc.fields[name])
        return None


def _assists(data: dict, errors: FieldErrors) -> list[Department]:
    raw = data.get("assist") or []
    codes = raw if isinstance(raw, list) else [raw]
    found: list[Department] = []
    for code in codes:
        if not code:
            continue
        try:
            dept = directory.department_by_code(code, "assist")
        except ValidationFailed:
            errors.add("assist", Message("unknown department %(code)s", code=str(code)[:32]))
            continue
        if dept not in found:
            found.append(dept)
    return found
