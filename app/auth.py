"""Who is asking: web sessions (Flask-Login), API bearer tokens, and role checks."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, joinedload

from app.extensions import db, login_manager
from app.models import ApiToken, Role, User
from app.models.users import hash_token
from dispatch import catalog


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "sessions.login"
    login_manager.login_message = None


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def issue_token(user: User) -> str:
    """Create an API token for `user`; only its hash is stored, so show it once."""
    token = "hl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    return token


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


def credentials_ended(holders: dict[str, tuple[int, str | None]]) -> list[str]:
    """Of connections (sid -> (user id, token hash or None for a web session)), those whose
    user was disabled or whose token was revoked since they connected: two indexed
    lookups."""
    if not holders:
        return []
    user_ids = {user_id for user_id, _ in holders.values()}
    hashes = {token for _, token in holders.values() if token}
    active = set(db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.active)))
    valid = set()
    if hashes:
        query = select(ApiToken.token_hash).where(
            ApiToken.token_hash.in_(hashes), ApiToken.revoked_at.is_(None)
        )
        valid = set(db.session.scalars(query))
    return [
        sid
        for sid, (user_id, token) in holders.items()
        if user_id not in active or (token is not None and token not in valid)
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
