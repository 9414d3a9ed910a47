"""Intake keys (重复提交保护): a registration sent again under the same key registers nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class IntakeKey(db.Model):
    """The key a client (an API user, an operator's intake form) sent a registration under,
    and the case it registered. Written in the registration's own transaction: a key is
    here exactly when its case is. `owner` is whose keys they are ("user:<id>"): two
    clients may pick the same key. `fingerprint` is the request's SHA-256: the same key
    with another request is refused."""

    __tablename__ = "intake_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # Indexed for the purge of expired keys: a range scan over the oldest, not the table.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
