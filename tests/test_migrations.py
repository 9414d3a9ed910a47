"""Migrations build the schema from empty, and the models match them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_models_match_the_migrated_schema(db):  # the fixture migrated an empty database
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
