"""The data model; importing this package registers every table."""

from app.models.base import utcnow
from app.models.calls import Call
from app.models.cases import Case, CaseAssist, CaseEvent, CaseNumberCounter
from app.models.categories import Category
from app.models.departments import Department
from app.models.enums import (
    Action,
    Channel,
    NoticeStatus,
    OutboxStatus,
    Priority,
    Role,
    Status,
)
from app.models.escalations import CaseEscalation, SupervisionNotice
from app.models.outbox import OutboxMessage
from app.models.routing import RoutingRevision, RoutingRule
from app.models.users import ApiToken, User

__all__ = [
    "Action",
    "ApiToken",
    "Call",
    "Case",
    "CaseAssist",
    "CaseEvent",
    "CaseEscalation",
    "CaseNumberCounter",
    "Category",
    "Channel",
    "Department",
    "NoticeStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Priority",
    "Role",
    "RoutingRevision",
    "RoutingRule",
    "Status",
    "SupervisionNotice",
    "User",
    "utcnow",
]
