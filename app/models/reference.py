"""Version counters of reference data that processes cache (calendar, deadline policies):
a change bumps its counter in the same transaction, so other processes notice it cheaply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class ReferenceVersion(db.Model):
    __tablename__ = "reference_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
