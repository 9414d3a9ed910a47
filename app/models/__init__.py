"""The data model; importing this package registers every table."""

from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.calendar import CalendarOverride
from app.models.calls import Call
from app.models.cases import (
    Case,
    CaseAssist,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    CasePause,
)
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
from app.models.intake_keys import IntakeKey
from app.models.open311 import Open311Key
from app.models.outbox import (
    InboundSms,
    OutboxMessage,
    SmsOptOut,
    SmsSenderPace,
    SmsStatusCallback,
    SmsTemplate,
)
from app.models.policies import DeadlinePolicy
from app.models.reference import ReferenceVersion
from app.models.routing import RoutingRevision, RoutingRule
from app.models.stats import RollupState, StatsDaily, StatsDelta
from app.models.users import ApiToken, User, WebSession

__all__ = [
    "Action",
    "ApiToken",
    "AuditEntry",
    "CalendarOverride",
    "Call",
    "Case",
    "CaseAssist",
    "CaseAttachment",
    "CaseEvent",
    "CaseEscalation",
    "CaseNumberCounter",
    "CasePause",
    "Category",
    "Channel",
    "DeadlinePolicy",
    "Department",
    "NoticeStatus",
    "Open311Key",
    "InboundSms",
    "IntakeKey",
    "OutboxMessage",
    "SmsOptOut",
    "SmsSenderPace",
    "SmsStatusCallback",
    "SmsTemplate",
    "OutboxStatus",
    "Priority",
    "ReferenceVersion",
    "Role",
    "RoutingRevision",
    "RoutingRule",
    "StatsDaily",
    "StatsDelta",
    "RollupState",
    "Status",
    "SupervisionNotice",
    "User",
    "WebSession",
    "utcnow",
]
