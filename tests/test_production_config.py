"""The production configuration refuses to start on the development's published secret
key: with it anyone could sign a session cookie as any user."""

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
