"""重复提交保护: a registration sent again under the key it was sent with registers nothing.

A client that lost the answer to a registration (a timeout, a dropped connection, a
double click on the intake form) sends it again under the same key and gets the case that
the first one registered: no second case, no second receipt SMS. The key travels in the
`Idempotency-Key` header of the JSON API and Open311 (as in the IETF draft of that name)
and in a hidden field of the intake form and the citizens' report. Its row is written in
the registration's own transaction, so a key is stored exactly when its case is; two
registrations racing under one key are settled by the key's unique index (the loser gets
the winner's case). A key is its owner's (an API user's or operator's, an Open311 api_key's,
the citizens' forms'): the same key from two owners is two keys. The same key with a
different request is refused, and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import N_
from app.models import Case, IntakeKey, User
from dispatch import intake
from dispatch.errors import Duplicate, ValidationFailed

HEADER = "Idempotency-Key"
KEY_MAX = 255


@dataclass(frozen=True)
class Key:
    """A registration's key, as its owner sent it, with its request's fingerprint."""

    owner: str
    key: str
    fingerprint: str
    field: str  # where the key came: the header, or the form's field

    def row(self, case_id: int, now: datetime) -> dict:
        """The intake_keys row that records this key for case `case_id`."""
        return {
            "owner": self.owner,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "case_id": case_id,
            "created_at": now,
        }


@dataclass(frozen=True)
class Registration:
    case: Case
    replayed: bool  # registered before under the same key: nothing was written now

    @property
    def headers(self) -> dict[str, str]:
        """The answer's headers that tell a replay (the IETF draft's Idempotent-Replayed)."""
        return {"Idempotent-Replayed": "true"} if self.replayed else {}


def form_key() -> str:
    """A new key for a form (the intake form's, the citizens' report's): random per form."""
    return uuid.uuid4().hex


def owner_of(actor: User) -> str:
    """Whose keys a user's registrations are under."""
    return f"user:{actor.id}"


PUBLIC = "public"  # the citizens' web report (网上报事): its form's keys, random per form


def key_for(owner: str, raw: str | None, data: object, field: str = HEADER) -> Key | None:
    """The key `owner` sent `data` under (None when none was sent). Raises
    ValidationFailed naming `field` for a key that is empty, longer than 255 characters
    or not printable ASCII."""
    if raw is None:
        return None
    if not raw or len(raw) > KEY_MAX or not (raw.isascii() and raw.isprintable()):
        raise ValidationFailed({field: N_("must be 1 to 255 printable ASCII characters")})
    # Any JSON the API took (integers of any size too), in one spelling whatever its order.
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return Key(owner, raw, hashlib.sha256(payload).hexdigest(), field)


def register(
    data: dict,
    actor: User | None,
    now: datetime,
    key: Key | None,
    *,
    answer: str = "",
    **options,
) -> Registration:
    """Register `data` (intake.register_case with `options`; with `answer`,
    intake.register_answered) unless its key registered a case before: then that case,
    and nothing is written. Raises what registration raises, and ValidationFailed naming
    the key when it was used before with a different request."""
    intake.refuse_unless_registrar(actor)  # before a replay too: it answers a case
    if key is not None:
        earlier = _earlier(key)
        if earlier is not None:
            return Registration(earlier, replayed=True)
    try:
        if answer:
            case = intake.register_answered(data, actor, now, answer, key=key)
        else:
            case = intake.register_case(data, actor, now, key=key, **options)
    except (IntegrityError, Duplicate):  # a transfer in's reference loses a race as Duplicate
        if key is None:
            raise
        db.session.rollback()  # another registration under this key won the race
        earlier = _earlier(key)
        if earlier is None:
            raise
        return Registration(earlier, replayed=True)
    return Registration(case, replayed=False)


def _earlier(key: Key) -> Case | None:
    found = db.session.execute(
        select(Case, IntakeKey.fingerprint)
        .join(IntakeKey, IntakeKey.case_id == Case.id)
        .where(IntakeKey.owner == key.owner, IntakeKey.key == key.key)
    ).first()
    if found is None:
        return None
    if found.fingerprint != key.fingerprint:
        raise ValidationFailed({key.field: N_("was used before with a different request")})
    return found.Case
