"""工单: cases, their co-handling departments, their append-only history and numbering."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.categories import Category
from app.models.departments import Department
from app.models.enums import Status
from app.models.users import User

DESCRIPTION_MAX = 5000
TEXT_MAX = 2000
# The cases another hotline passed in with its reference (转入); older ones may lack it.
TRANSFER_WITH_REF = "channel = 'transfer' AND external_ref <> ''"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_caller_phone_created_at", "caller_phone", "created_at"),
        Index("ix_cases_department_id_status", "department_id", "status"),
        Index("ix_cases_status_created_at", "status", "created_at"),
        # statistics: overdue open cases (counted live), a department's own figures
        Index("ix_cases_status_due_at", "status", "due_at"),
        Index("ix_cases_department_id_created_at", "department_id", "created_at"),
        # 联动转办: another hotline passes one of its cases in once (their reference, per
        # sending hotline); also the index of the list's search by reference.
        Index(
            "uq_cases_transfer_ref",
            "external_ref",
            "source_hotline",
            unique=True,
            sqlite_where=text(TRANSFER_WITH_REF),
            postgresql_where=text(TRANSFER_WITH_REF),
        ),
        # 回复审核: the review queue (pending) and the callback list (released), by status.
        Index("ix_cases_status_reply_approved_at", "status", "reply_approved_at", "replied_at"),
        # 疑似重复: the same address and category within 30 days.
        Index("ix_cases_address_category_id_created_at", "address", "category_id", "created_at"),
        # 批量备案: closed cases not yet archived, oldest first.
        Index("ix_cases_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=Status.REGISTERED)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    caller_phone: Mapped[str] = mapped_column(String(20))
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200), default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    # 位置: where the problem is, in WGS84 degrees, when the reporter gave coordinates (an
    # Open311 client's lat/long, or the API's latitude/longitude); both or neither.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_ref: Mapped[str] = mapped_column(String(64), default="")
    # 转入: the hotline that passed the case in (channel transfer); 转出: the hotline it was
    # passed on to, and that hotline's reference, once transferred out (closed here).
    source_hotline: Mapped[str] = mapped_column(String(100), default="", server_default="")
    transferred_to: Mapped[str] = mapped_column(String(100), default="", server_default="")
    transferred_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    # 回复审核: a reply waits for an operator's review (NULL) until it is released to the
    # caller (set); `reworked_at`: sent back for rework (退回重办) and not replied again yet.
    reply_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reworked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # When the current deadline's clock started, and which clock it is (a reopen starts a
    # new round, so each escalation level is reached once per round).
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_round: Mapped[int] = mapped_column(Integer, default=0)
    # The sweep's index: when this case next needs escalating (NULL: nothing pending).
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 签收时限: while dispatched and not yet accepted (NULL otherwise), indexed for the sweep;
    # `accept_overdue` stays set once the department missed it, until the case moves on.
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    accept_overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # 暂停计时: set while the reply clock is paused; the pause ends by itself at
    # `pause_until` (indexed for the sweep) unless the department or the citizen ends it.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    category: Mapped[Category] = relationship()
    department: Mapped[Department | None] = relationship()
    duplicate_of: Mapped[Case | None] = relationship(remote_side=[id])
    assists: Mapped[list[CaseAssist]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAssist.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", viewonly=True
    )

    @property
    def assist_departments(self) -> list[Department]:
        return [assist.department for assist in self.assists]

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.ARCHIVED)

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.status}>"


class CaseAssist(db.Model):
    """协办: a department that assists the lead department on a case."""

    __tablename__ = "case_assists"
    __table_args__ = (
        db.UniqueConstraint("case_id", "department_id", name="uq_case_assists_case_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # 协办意见: the lead waits for this department's opinion until it is given.
    opinion: Mapped[str] = mapped_column(Text, default="", server_default="")
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="assists")
    department: Mapped[Department] = relationship()
    opinion_by: Mapped[User | None] = relationship()

    @property
    def owed(self) -> bool:
        return self.opinion_at is None


class CasePause(db.Model):
    """One pause of a case's reply clock (暂停计时), while the department waits on the caller."""

    __tablename__ = "case_pauses"
    __table_args__ = (Index("ix_case_pauses_case_id_round", "case_id", "clock_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    clock_round: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))  # not_reachable, materials, other
    reason: Mapped[str] = mapped_column(Text)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by: Mapped[str] = mapped_column(String(16), default="")  # department, citizen, time
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_after: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()


class CaseAttachment(db.Model):
    """A photo or document of the work done, sent with the department's reply; the file is
    kept under HOTLINE_UPLOAD_DIR by a random name, never where the web server serves."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(db.Model):
    """One step of a case's history; rows are only ever added."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_id_id", "case_id", "id"),
        Index("ix_case_events_created_at", "created_at"),
        Index("ix_case_events_action_created_at", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CaseNumberCounter(db.Model):
    """The last daily sequence number handed out for one prefix and local date."""

    __tablename__ = "case_number_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[datetime] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
