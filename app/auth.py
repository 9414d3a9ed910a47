"""Who is asking: web sessions (Flask-Login), API bearer tokens, and role checks."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import NamedTuple

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session, joinedload

from app import logins
from app.extensions import db, login_manager
from app.models import ApiToken, Role, User, utcnow
from app.models.users import hash_token
from dispatch import catalog


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "sessions.login"
    login_manager.login_message = None


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The session's user while its login is live (app/logins.py)."""
    try:
        wanted = int(user_id)
    except (TypeError, ValueError):
        return None
    return logins.user_of(session.get(logins.SESSION_KEY), wanted, utcnow())


def issue_token(user: User) -> str:
    """Create an API token for `user`; only its hash is stored, so show it once."""
    token = "hl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    return token


def revoke_tokens(user: User, now: datetime) -> int:
    """Revoke every API token of `user` (a leaked token, a system retired); how many. Their
    requests are refused at once in this process, within API_TOKEN_CACHE_SECONDS in the
    others, and their live connections close at the next check."""
    live = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    tokens = list(db.session.scalars(live))
    for token in tokens:
        token.revoked_at = now  # through the session: its flush empties the token cache
    return len(tokens)


def live_token_counts() -> dict[int, int]:
    """Unrevoked API tokens per user id (users without any are absent)."""
    query = (
        select(ApiToken.user_id, func.count())
        .where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)
    )
    return {user_id: count for user_id, count in db.session.execute(query)}


# Built once: every API request runs it, and a reused statement skips building and keying.
_TOKEN_BY_HASH = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


# Tokens seen lately, per process: token hash -> (a detached copy of its user, when the
# database confirmed it). A hit skips the lookup for API_TOKEN_CACHE_SECONDS, so another
# process's revocation (or a user disabled there) takes effect within those seconds; a
# change made through this process's sessions empties the cache at once.
_tokens: dict[str, tuple[User, float]] = {}
_TOKENS_MAX = 10_000


def user_for_token(token: str) -> User | None:
    """The active user that holds this (unrevoked) token."""
    key = hash_token(token)
    ttl = current_app.config.get("API_TOKEN_CACHE_SECONDS", 5)
    hit = _tokens.get(key)
    if hit is not None and time.monotonic() - hit[1] < ttl:
        return catalog.attach(hit[0])  # into this session, without a query
    checked = time.monotonic()
    row = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": key})
    if row is None or not row.user.active:
        _tokens.pop(key, None)
        return None
    if ttl > 0:
        if len(_tokens) >= _TOKENS_MAX:
            _tokens.clear()
        _tokens[key] = (catalog.detached_copy(row.user), checked)
    return row.user


class Credentials(NamedTuple):
    """What a live connection was let in with: its user's id, role and department (which
    chose its rooms), and the hash of its API token or of its web login's key
    (app/logins.py)."""

    user_id: int
    role: str
    department_id: int | None
    token_hash: str | None = None
    login_hash: str | None = None


def credentials_ended(holders: dict[str, Credentials]) -> list[str]:
    """Of connections (by sid), those whose user was disabled or given another role or
    department (their rooms are no longer theirs), whose token was revoked or whose login
    ended since they connected: three indexed lookups at most."""
    if not holders:
        return []
    user_ids = {held.user_id for held in holders.values()}
    hashes = {held.token_hash for held in holders.values() if held.token_hash}
    users = select(User.id, User.role, User.department_id).where(User.id.in_(user_ids), User.active)
    now_held = {user_id: (role, dept) for user_id, role, dept in db.session.execute(users)}
    valid = set()
    if hashes:
        query = select(ApiToken.token_hash).where(
            ApiToken.token_hash.in_(hashes), ApiToken.revoked_at.is_(None)
        )
        valid = set(db.session.scalars(query))
    logged_out = logins.ended(
        (held.login_hash for held in holders.values() if held.login_hash), utcnow()
    )
    return [
        sid
        for sid, held in holders.items()
        if now_held.get(held.user_id) != (held.role, held.department_id)
        or (held.token_hash is not None and held.token_hash not in valid)
        or held.login_hash in logged_out
    ]


def forget_tokens() -> None:
    """Empty this process's cache of tokens (users or tokens changed)."""
    _tokens.clear()


_CHANGED = "hotline_users_or_tokens_changed"


@event.listens_for(Session, "after_flush")
def _users_flushed(session: Session, _context) -> None:
    if any(isinstance(o, User | ApiToken) for o in (*session.dirty, *session.deleted)):
        session.info[_CHANGED] = True
        forget_tokens()


@event.listens_for(Session, "after_commit")
def _users_committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_tokens()  # again: a request may have cached the old rows meanwhile


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def session_user() -> User | None:
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def roles_required(*roles: Role) -> Callable:
    """Page decorator: 403 unless g.user has one of `roles`."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None or g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
