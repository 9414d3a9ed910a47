"""Web logins (登录会话): begun at the login form, ended at logout, after SESSION_HOURS,
or when the user is disabled.

Flask's session is a signed cookie: it cannot be taken back, so by itself a cookie copied
off a shared workstation would stay good after its user logged out. The cookie therefore
carries a random key of a login recorded here (its SHA-256, as for API tokens), and a
request's user is the login's only while that row says it is live. Checking costs the
request no more than loading its user did: one indexed read of the login with its user.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import User, WebSession
from app.models.users import hash_token

SESSION_KEY = "login"  # the Flask session's entry that holds the login's key


def begin(user: User, now: datetime) -> str:
    """Record a new login of `user`; its key, for the session cookie (shown nowhere else)."""
    key = secrets.token_urlsafe(32)
    db.session.add(WebSession(user=user, key_hash=hash_token(key), created_at=now))
    return key


def user_of(key: object, user_id: int, now: datetime) -> User | None:
    """The active user `user_id` when `key` is a live login of theirs, else None."""
    if not isinstance(key, str) or not key:
        return None
    return db.session.scalar(
        _LIVE_LOGIN, {"key_hash": hash_token(key), "user_id": user_id, "since": _oldest(now)}
    )


def end(key: object, now: datetime) -> None:
    """End the login with this key (logout); nothing when there is none."""
    if isinstance(key, str) and key:
        db.session.execute(_ending(now).where(WebSession.key_hash == hash_token(key)))


def end_all_of(user: User, now: datetime, keep: str | None = None) -> int:
    """End every live login of `user` (disabled, password changed) but the one with the
    key `keep`; how many."""
    ending = _ending(now).where(WebSession.user_id == user.id)
    if keep:
        ending = ending.where(WebSession.key_hash != hash_token(keep))
    return db.session.execute(ending).rowcount


def ended(hashes: Iterable[str], now: datetime) -> set[str]:
    """Of these logins' key hashes, those no longer live (ended, expired or unknown)."""
    wanted = set(hashes)
    if not wanted:
        return set()
    live = select(WebSession.key_hash).where(
        WebSession.key_hash.in_(wanted),
        WebSession.ended_at.is_(None),
        WebSession.created_at > _oldest(now),
    )
    return wanted - set(db.session.scalars(live))


def _oldest(now: datetime) -> datetime:
    """Logins begun at or before this have expired."""
    return now - timedelta(hours=current_app.config["SESSION_HOURS"])


# Built once: every page request runs it.
_LIVE_LOGIN = (
    select(User)
    .join(WebSession, WebSession.user_id == User.id)
    .where(
        WebSession.key_hash == bindparam("key_hash"),
        WebSession.user_id == bindparam("user_id"),
        WebSession.ended_at.is_(None),
        WebSession.created_at > bindparam("since"),
        User.active,
    )
)


def _ending(now: datetime):
    live = WebSession.ended_at.is_(None)
    return (
        update(WebSession)
        .where(live)
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
