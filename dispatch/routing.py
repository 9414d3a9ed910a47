"""Routing: which department a new case goes to, and why. At this stage the category's
default department (the nearest one up the tree); richer rules come later."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Case, Department


@dataclass(frozen=True)
class Decision:
    department: Department | None
    assists: list[Department] = field(default_factory=list)
    reason: str = "no route"
    rule: str | None = None


def pick(case: Case) -> Decision:
    """The routing decision for `case`; a decision without department leaves it undispatched."""
    node = case.category
    while node is not None:  # the nearest node up the tree that names a department
        dept = node.default_department
        if dept is not None and dept.active:
            return Decision(dept, [], f"default department of category {node.code}", None)
        node = node.parent
    return Decision(None, [], "no rule and no default department")
