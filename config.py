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


# The published key of development and the demo: production refuses to start with it
# (anyone could sign a session cookie as any user).
DEVELOPMENT_SECRET_KEY = "dev-only-change-me"


class Config:
    SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("HOTLINE_DATABASE_URL"))
    # No ping before every checkout (it cost a round trip per request): a connection that
    # a database restart broke fails one request with 503 and the pool then renews itself.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": False}
    # PostgreSQL connections per process: the pool, and how many more a burst may open.
    # Case numbers come from a second pool of the same size, so a process may hold twice
    # (size + overflow): keep processes x that under the server's max_connections.
    DB_POOL_SIZE = int(os.environ.get("HOTLINE_DB_POOL_SIZE", "5"))
    DB_MAX_OVERFLOW = int(os.environ.get("HOTLINE_DB_MAX_OVERFLOW", "10"))
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
    # What `hotline scheduler` logs (to stderr): INFO names every run and what it did.
    SCHEDULER_LOG_LEVEL = os.environ.get("HOTLINE_SCHEDULER_LOG_LEVEL", "INFO").upper()
    # Operators answer calls in these local hours; outside them callers leave a message.
    OPERATOR_HOURS = os.environ.get("HOTLINE_OPERATOR_HOURS", "08:00-22:00")
    VOICEMAIL_CATEGORY = os.environ.get("HOTLINE_VOICEMAIL_CATEGORY", "consult")
    OUTBOX_INTERVAL_SECONDS = int(os.environ.get("HOTLINE_OUTBOX_INTERVAL_SECONDS", "5"))
    # 统计汇总: how often the statistics deltas are folded into the rollup (answers are exact
    # either way; folding keeps the deltas that every read adds few).
    STATS_FOLD_SECONDS = int(os.environ.get("HOTLINE_STATS_FOLD_SECONDS", "10"))
    # Messages a second per sender number, shared by all outbox workers (a Twilio long code
    # sends one a second), and how many sends one worker keeps in flight.
    SMS_RATE_PER_SECOND = float(os.environ.get("HOTLINE_SMS_RATE_PER_SECOND", "1"))
    SMS_CONCURRENCY = int(os.environ.get("HOTLINE_SMS_CONCURRENCY", "8"))
    # A message left "sending" this long by a worker that stopped is looked up at Twilio.
    SMS_STALE_SECONDS = int(os.environ.get("HOTLINE_SMS_STALE_SECONDS", "120"))
    SMS_CATEGORY = os.environ.get("HOTLINE_SMS_CATEGORY", "consult")  # texts from new senders
    REWORK_LIMIT = int(os.environ.get("HOTLINE_REWORK_LIMIT", "2"))
    PAUSE_LIMIT = int(os.environ.get("HOTLINE_PAUSE_LIMIT", "2"))  # pauses per deadline round
    # Photos and documents sent with a reply: where they are kept, and how much is taken.
    UPLOAD_DIR = os.environ.get("HOTLINE_UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    ATTACHMENT_MAX_BYTES = int(os.environ.get("HOTLINE_ATTACHMENT_MAX_BYTES", str(5 * 2**20)))
    ATTACHMENTS_PER_REPLY = int(os.environ.get("HOTLINE_ATTACHMENTS_PER_REPLY", "4"))
    SWEEP_BATCH = int(os.environ.get("HOTLINE_SWEEP_BATCH", "2000"))
    # 重复提交保护: how long a registration's key replays its case (the IETF Idempotency-Key
    # draft's and Stripe's 24 hours); an older key is as if never sent, and the scheduler
    # purges it within the hour.
    INTAKE_KEY_HOURS = int(os.environ.get("HOTLINE_INTAKE_KEY_HOURS", "24"))
    # How often a process looks whether another one changed the calendar or the policies.
    REFERENCE_CHECK_SECONDS = float(os.environ.get("HOTLINE_REFERENCE_CHECK_SECONDS", "5"))
    # How long a process trusts an API token it has checked before it looks again: another
    # process's revocation, or a user disabled there, takes effect within this time.
    API_TOKEN_CACHE_SECONDS = float(os.environ.get("HOTLINE_API_TOKEN_CACHE_SECONDS", "5"))
    # How often a process checks its open live connections again: a user disabled or a
    # token revoked loses them within this time.
    LIVE_RECHECK_SECONDS = float(os.environ.get("HOTLINE_LIVE_RECHECK_SECONDS", "10"))
    # The embedded default runs the scheduler inside `hotline serve`.
    SCHEDULER_IN_SERVER = os.environ.get("HOTLINE_SCHEDULER_IN_SERVER", "1") == "1"
    # Behind N reverse proxies, trust the last N X-Forwarded-For/-Proto/-Host values
    # (werkzeug's ProxyFix); 0 means clients connect directly and those headers are ignored.
    TRUSTED_PROXIES = int(os.environ.get("HOTLINE_TRUSTED_PROXIES", "0"))
    # Rate limits of the citizens' public pages ("N per minute|hour|day"): status lookups
    # (page and API together) per client address, web reports per address and per phone.
    TRACK_RATE_LIMIT = os.environ.get("HOTLINE_TRACK_RATE_LIMIT", "10 per minute")
    REPORT_RATE_LIMIT = os.environ.get("HOTLINE_REPORT_RATE_LIMIT", "20 per hour")
    REPORT_PHONE_RATE_LIMIT = os.environ.get("HOTLINE_REPORT_PHONE_RATE_LIMIT", "5 per hour")
    # Failed staff logins per user name, and per client address (a call centre's operators
    # may share one), before the login page refuses to try more for a while.
    LOGIN_RATE_LIMIT = os.environ.get("HOTLINE_LOGIN_RATE_LIMIT", "10 per 15 minutes")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("HOTLINE_LOGIN_ADDRESS_RATE_LIMIT", "100 per hour")
    # A web login (登录会话) ends at logout, when its user is disabled, or this many hours
    # after it began (a shift and some): its session cookie then opens nothing.
    SESSION_HOURS = float(os.environ.get("HOTLINE_SESSION_HOURS", "12"))
    # The public figures (/public) are computed at most this often per process.
    PUBLIC_STATS_CACHE_SECONDS = float(os.environ.get("HOTLINE_PUBLIC_STATS_CACHE_SECONDS", "300"))
    # Where the counts live; empty: Redis at HOTLINE_REDIS_URL when set (shared by all
    # processes), else this process's memory.
    RATELIMIT_STORAGE_URL = os.environ.get("HOTLINE_RATELIMIT_STORAGE_URL", "")
    # Open311 discovery's `contact`: how client developers reach the hotline.
    OPEN311_CONTACT = os.environ.get("HOTLINE_OPEN311_CONTACT", "")
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
    SMS_RATE_PER_SECOND = 1000.0  # tests pace their own sends when they check the rate
    # Tests share one app: limits counted in its memory are cleared between tests.
    RATELIMIT_STORAGE_URL = "memory://"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "1") == "1"
    SCHEDULER_IN_SERVER = os.environ.get("HOTLINE_SCHEDULER_IN_SERVER", "0") == "1"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
