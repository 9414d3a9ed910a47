"""Open311 api_keys (对接系统密钥): issued by administrators, stored hashed, revocable."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select

from app.extensions import db
from app.i18n import N_
from app.models import Open311Key
from app.models.users import hash_token
from dispatch.errors import NotAllowed, NotFound
from dispatch.fields import FieldErrors, text

KEY_PREFIX = "o311_"
KEY_MAX = 200  # longer is not one of ours: refused before it is hashed

# Built once: every POST runs it.
_KEY_BY_HASH = select(Open311Key).where(
    Open311Key.key_hash == bindparam("key_hash"), Open311Key.revoked_at.is_(None)
)


def issue_key(client_name: object, now: datetime) -> tuple[Open311Key, str]:
    """Create a key for the client system named `client_name`; the key itself is returned
    once (only its hash is stored). Raises ValidationFailed for a missing or long name."""
    errors = FieldErrors()
    name = text({"name": client_name}, "name", errors, required=True, max_length=100)
    errors.raise_if_any()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = Open311Key(client_name=name, key_hash=hash_token(secret), created_at=now)
    db.session.add(row)
    db.session.flush()
    return row, secret


def authenticate(api_key: object, now: datetime) -> Open311Key:
    """The active key that `api_key` is, its last use set to `now`.

    Raises NotAllowed for a missing, unknown or revoked key (never which of them)."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise NotAllowed(N_("api_key is required"))
    row = None
    if len(api_key) <= KEY_MAX and "\x00" not in api_key:
        row = db.session.scalar(_KEY_BY_HASH, {"key_hash": hash_token(api_key.strip())})
    if row is None:
        raise NotAllowed(N_("invalid api_key"))
    row.last_used_at = now
    return row


def revoke(key_id: int, now: datetime) -> Open311Key:
    """Revoke a key (kept for the record); revoking twice keeps the first time.

    Raises NotFound."""
    row = db.session.get(Open311Key, key_id)
    if row is None:
        raise NotFound("no such key")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def list_keys() -> list[Open311Key]:
    """Every key, grouped by client system, newest first within one."""
    query = select(Open311Key).order_by(Open311Key.client_name, Open311Key.id.desc())
    return list(db.session.scalars(query))
