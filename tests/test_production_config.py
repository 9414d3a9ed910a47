"""The production configuration refuses to start on the development's published secret
key: with it anyone could sign a session cookie as any user. Any configuration refuses
lifetimes of 0 or less."""

from __future__ import annotations

import pytest

from app import create_app
from config import DEVELOPMENT_SECRET_KEY, ProductionConfig


@pytest.mark.parametrize("key", ["", DEVELOPMENT_SECRET_KEY])
def test_production_refuses_to_start_without_its_own_secret_key(key):
    with pytest.raises(RuntimeError, match="HOTLINE_SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=key, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_starts_with_a_key_of_its_own(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=url)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("setting", "variable"),
    [("SESSION_HOURS", "HOTLINE_SESSION_HOURS"), ("INTAKE_KEY_HOURS", "HOTLINE_INTAKE_KEY_HOURS")],
)
@pytest.mark.parametrize("value", [0, -1])
def test_a_lifetime_of_zero_or_less_is_refused_at_start(setting, variable, value):
    """0 would end every login (or forget every intake key) at once: refused, named."""
    with pytest.raises(RuntimeError, match=variable):
        create_app(**{setting: value, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
