"""Escalations (升级) reached by cases, and supervision notices (督办单)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.cases import Case
from app.models.enums import NoticeStatus
from app.models.users import User

LEVEL_NAMES = {1: "warning", 2: "overdue", 3: "seriously_overdue"}


class CaseEscalation(db.Model):
    """One escalation level reached by a case; the unique key makes each level happen once
    per deadline round, whichever process gets there first."""

    __tablename__ = "case_escalations"
    __table_args__ = (
        UniqueConstraint("case_id", "round", "level", name="uq_case_escalations_case_round_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()


class SupervisionNotice(db.Model):
    """督办单: opened by escalation level 2 or by a supervisor; the department answers it."""

    __tablename__ = "supervision_notices"
    __table_args__ = (Index("ix_supervision_notices_status_opened_at", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.OPEN)
    reason: Mapped[str] = mapped_column(String(16))  # overdue | manual
    comment: Mapped[str] = mapped_column(Text, default="")
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
