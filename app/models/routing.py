"""分派规则: the admin's ordered routing rules, and the revision that tells every process
when its compiled matcher is out of date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.categories import Category
from app.models.departments import Department

routing_rule_assists = Table(
    "routing_rule_assists",
    db.Model.metadata,
    Column("rule_id", ForeignKey("routing_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class RoutingRule(db.Model):
    """One rule: every condition given must match; the first matching active rule wins.

    `keywords` holds one keyword or phrase (words separated by spaces) per line; empty
    strings in `district`, `channel` and `priority` mean "any".
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    keywords: Mapped[str] = mapped_column(Text, default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    priority: Mapped[str] = mapped_column(String(16), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
    department: Mapped[Department] = relationship()
    assists: Mapped[list[Department]] = relationship(
        secondary=routing_rule_assists, order_by=Department.code
    )

    def keyword_list(self) -> list[str]:
        return [line for line in self.keywords.splitlines() if line]

    def __repr__(self) -> str:
        return f"<RoutingRule {self.position} {self.name}>"


class RoutingRevision(db.Model):
    """One row: its number goes up with every change to the rules or the category tree, in
    the same transaction, so each process sees with one primary-key read whether the
    matcher it compiled is still current."""

    __tablename__ = "routing_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
