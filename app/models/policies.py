"""办理时限: deadline policies, from (channel, priority, category) to a reply deadline
and, for emergencies, an on-site deadline. Empty fields match anything."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.categories import Category


class DeadlinePolicy(db.Model):
    __tablename__ = "deadline_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    reply_amount: Mapped[int] = mapped_column(Integer)
    reply_unit: Mapped[str] = mapped_column(String(16))  # working_days, calendar_days, hours
    onsite_hours: Mapped[int | None] = mapped_column(Integer)
    # 签收时限 in minutes; empty: by the end of the next working day.
    accept_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<DeadlinePolicy {self.channel}/{self.priority}/{self.category_id}>"
