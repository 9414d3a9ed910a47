import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent


@pytest.fixture
def counts(db):
    """Row counts of cases and history, to show that a refused request wrote nothing."""

    def read() -> tuple[int, int]:
        db.session.rollback()
        return (
            db.session.scalar(select(func.count()).select_from(Case)),
            db.session.scalar(select(func.count()).select_from(CaseEvent)),
        )

    return read
