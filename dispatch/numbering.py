"""Case numbers like R2026112200001: prefix, the local date, a daily sequence."""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import CaseNumberCounter


def allocate(prefix: str, day: date) -> str:
    """Take the next number of the day in the caller's transaction (an atomic upsert).

    On PostgreSQL the counter row stays locked until the transaction ends, so intakes of
    the same day queue for a moment instead of colliding; a rolled-back intake leaves a gap.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(CaseNumberCounter)
        .values(prefix=prefix, day=day, last_value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "day"],
            set_={"last_value": CaseNumberCounter.last_value + 1},
        )
        .returning(CaseNumberCounter.last_value)
    )
    value = db.session.execute(stmt).scalar_one()
    return f"{prefix}{day:%Y%m%d}{value:05d}"
