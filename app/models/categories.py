"""事项分类: the category tree, each node with a default department."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.departments import Department


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")
    default_department: Mapped[Department | None] = relationship()

    def path(self) -> list[Category]:
        """This node and its ancestors, root first."""
        nodes, node = [], self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return list(reversed(nodes))

    def __repr__(self) -> str:
        return f"<Category {self.code}>"
