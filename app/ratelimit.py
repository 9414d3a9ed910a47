"""Rate limits of the citizens' public pages (公开查询, 网上报事), per client address and per
phone, and of failed staff logins, per user name and per address.

Built on `limits`, the engine of Flask-Limiter, called from those views only: the rest of
the application (other staff pages, API, webhooks, Socket.IO) gets no hook and no cost,
each application has its own counts (tests build several apps in one process), and the
per-phone limit counts only reports that passed validation. The counts live in Redis when
HOTLINE_REDIS_URL is set, so that every server process shares them, else in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

EXTENSION = "hotline_limits"
LIMIT_SETTINGS = (
    "TRACK_RATE_LIMIT",
    "REPORT_RATE_LIMIT",
    "REPORT_PHONE_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "LOGIN_ADDRESS_RATE_LIMIT",
)
REDIS_TIMEOUT_SECONDS = 0.5


class RateLimited(TooManyRequests):
    """Over a public limit (429); `retry_after` in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many requests, try again later", retry_after=retry_after)
        self.retry_after_seconds = retry_after


class PublicLimits:
    """The counters of one application, in the storage its configuration names."""

    def __init__(self, storage_url: str, limits: dict[str, str]) -> None:
        options = {"wrap_exceptions": True}
        if storage_url.startswith(("redis://", "rediss://", "unix://")):
            options |= {
                "key_prefix": "hotline-limits",
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            }
        self.storage: Storage = storage_from_string(storage_url, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.items: dict[str, RateLimitItem] = {}
        for name, text in limits.items():
            try:
                self.items[name] = parse(text)
            except ValueError as exc:
                raise ValueError(f"HOTLINE_{name}: {text!r} is not like '10 per minute'") from exc

    def hit(self, name: str, key: str) -> None:
        """Count one use of `name` by `key`; raises RateLimited when over the limit.

        A storage that does not answer (Redis down) lets the request through: the public
        pages stay up, as intake does, and the outage is logged."""
        self._within(self.strategy.hit, name, key)

    def refuse_if_over(self, name: str, key: str) -> None:
        """Raise RateLimited if `key` has used up `name` already, counting nothing (failed
        logins are counted once they failed, and an attempt over the limit is not tried)."""
        self._within(self.strategy.test, name, key)

    def _within(self, ask, name: str, key: str) -> None:
        """Raise RateLimited unless `ask` (the strategy's hit or test) finds `key` within."""
        item = self.items[name]
        try:
            if ask(item, name, key):
                return
            reset_at = self.strategy.get_window_stats(item, name, key).reset_time
        except StorageError as exc:
            log.warning("rate limit storage unavailable, not limiting: %s", exc.storage_error)
            return
        raise RateLimited(max(1, math.ceil(reset_at - time.time())))

    def count(self, name: str, key: str) -> None:
        """Count one use of `name` by `key`, whether or not that is over the limit."""
        try:
            self.strategy.hit(self.items[name], name, key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable, not counting: %s", exc.storage_error)

    def reset(self) -> None:
        self.storage.reset()


def init_app(app: Flask) -> None:
    url = app.config.get("RATELIMIT_STORAGE_URL") or app.config.get("REDIS_URL") or "memory://"
    limits = {name: app.config[name] for name in LIMIT_SETTINGS}
    app.extensions[EXTENSION] = PublicLimits(url, limits)


def public_limits() -> PublicLimits:
    return current_app.extensions[EXTENSION]


def client_address() -> str:
    """The client's address (ProxyFix has put the forwarded one here when proxies are trusted)."""
    return request.remote_addr or "unknown"


def phone_key(e164: str) -> str:
    """A keyed hash of a number: no phone number is written to the limits' storage."""
    return _keyed(e164)


def _keyed(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def refuse_login_if_over(username: str) -> None:
    """Raise RateLimited when this user name, or this client address, has failed to log
    in too often lately (guessing a password takes many tries)."""
    limits = public_limits()
    limits.refuse_if_over("LOGIN_RATE_LIMIT", _keyed("user:" + username.casefold()))
    limits.refuse_if_over("LOGIN_ADDRESS_RATE_LIMIT", client_address())


def count_failed_login(username: str) -> None:
    limits = public_limits()
    limits.count("LOGIN_RATE_LIMIT", _keyed("user:" + username.casefold()))
    limits.count("LOGIN_ADDRESS_RATE_LIMIT", client_address())


def limit_by_address(name: str) -> None:
    """Count one use of `name` by this request's client address; raises RateLimited."""
    public_limits().hit(name, client_address())


def limit_by_phone(name: str, e164: str) -> None:
    """Count one use of `name` for this phone number; raises RateLimited."""
    public_limits().hit(name, phone_key(e164))
