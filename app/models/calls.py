"""来电: phone calls received through Twilio, idempotent by CallSid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_from_phone_started_at", "from_phone", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(40), default="")  # E.164, or "" if withheld
    to_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="ringing")
    in_hours: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    recording_sid: Mapped[str] = mapped_column(String(64), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
