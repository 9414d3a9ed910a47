"""Configuration classes, read from HOTLINE_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HOTLINE_INSTANCE_PATH", BASE_DIR / "instance"))


def database_url(url: str | None) -> str:
    """Return a SQLAlchemy URL, choosing psycopg 3 for plain postgresql:// URLs."""
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'hotline.db'}"
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def twilio_configured(config: dict) -> bool:
    """True when all three Twilio settings are present."""
    keys = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
    return all(config.get(key) for key in keys)


class Config:
    SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("HOTLINE_DATABASE_URL"))
    # No ping before every checkout (it cost a round trip per request): a connection that
    # a database restart broke fails one request with 503 and the pool then renews itself.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": False}
    REDIS_URL = os.environ.get("HOTLINE_REDIS_URL") or None
    # Empty: the address the request came to (fine without a proxy in front).
    PUBLIC_URL = os.environ.get("HOTLINE_PUBLIC_URL", "")
    TIMEZONE = os.environ.get("HOTLINE_TIMEZONE", "Asia/Shanghai")
    PHONE_REGION = os.environ.get("HOTLINE_PHONE_REGION", "CN")
    CASE_NUMBER_PREFIX = os.environ.get("HOTLINE_CASE_NUMBER_PREFIX", "R")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER")
    TWILIO_BASE_URL = os.environ.get("HOTLINE_TWILIO_BASE_URL") or None
    TWILIO_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_TWILIO_TIMEOUT_SECONDS", "10"))
    SWEEP_INTERVAL_SECONDS = int(os.environ.get("HOTLINE_SWEEP_INTERVAL_SECONDS", "60"))
    # Operators answer calls in these local hours; outside them callers leave a message.
    OPERATOR_HOURS = os.environ.get("HOTLINE_OPERATOR_HOURS", "08:00-22:00")
    VOICEMAIL_CATEGORY = os.environ.get("HOTLINE_VOICEMAIL_CATEGORY", "consult")
    OUTBOX_INTERVAL_SECONDS = int(os.environ.get("HOTLINE_OUTBOX_INTERVAL_SECONDS", "5"))
    SWEEP_BATCH = int(os.environ.get("HOTLINE_SWEEP_BATCH", "2000"))
    # How often a process looks whether another one changed the calendar or the policies.
    REFERENCE_CHECK_SECONDS = float(os.environ.get("HOTLINE_REFERENCE_CHECK_SECONDS", "5"))
    # The embedded default runs the scheduler inside `hotline serve`.
    SCHEDULER_IN_SERVER = os.environ.get("HOTLINE_SCHEDULER_IN_SERVER", "1") == "1"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("HOTLINE_TEST_DATABASE_URL") or "sqlite:///:memory:"
    )
    SCHEDULER_IN_SERVER = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "1") == "1"
    SCHEDULER_IN_SERVER = os.environ.get("HOTLINE_SCHEDULER_IN_SERVER", "0") == "1"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
