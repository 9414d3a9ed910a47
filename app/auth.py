"""Who is asking: web sessions (Flask-Login), API bearer tokens, and role checks."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db, login_manager
from app.models import ApiToken, Role, User
from app.models.users import hash_token


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


def user_for_token(token: str) -> User | None:
    """The active user that holds this (unrevoked) token."""
    row = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": hash_token(token)})
    if row is None or not row.user.active:
        return None
    return row.user


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
