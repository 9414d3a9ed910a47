"""安全审计: the record of what administrators and operators changed in the setup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class AuditEntry(db.Model):
    """One row added, changed or removed in a table of the hotline's setup (users, API
    tokens, departments, categories, routing rules, deadline policies, the calendar, SMS
    templates, Open311 keys), written in the same transaction as the change
    (app/audit.py). Append-only, as cases' history is. `actor_id` is None for the command
    line and the scheduler; `changes` maps a field to [before, after] (secrets: only that
    they changed)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(16))  # created, changed, removed
    subject: Mapped[str] = mapped_column(String(40))  # the table
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    label: Mapped[str] = mapped_column(String(200), default="")  # a user name, a code...
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
