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

A key replays for HOTLINE_INTAKE_KEY_HOURS (24 by default, as the IETF draft and Stripe
keep them); an older one is as if it had never been sent: the registration under it is
new, and in its own transaction the expired row gives way to the new one. The scheduler
purges expired keys every hour (`purge_expired`), a bounded batch a transaction, by the
index on their time: the table holds a day of keys, not every key ever sent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import any_, delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import N_
from app.models import Case, IntakeKey, User
from dispatch import intake, settings
from dispatch.errors import Duplicate, ValidationFailed

HEADER = "Idempotency-Key"
KEY_MAX = 255
PURGE_BATCH = 5000  # keys a purge statement deletes: a backlog goes in short transactions
_UNSYNCHRONIZED = {"synchronize_session": False}  # keys are never objects in the session


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
    and nothing is written (a key expired at `now` registered nothing). Raises what
    registration raises, and ValidationFailed naming the key when it was used before with
    a different request."""
    intake.refuse_unless_registrar(actor)  # before a replay too: it answers a case
    if key is not None:
        earlier = _earlier(key, now)
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
        earlier = _earlier(key, now)
        if earlier is None:
            raise
        return Registration(earlier, replayed=True)
    return Registration(case, replayed=False)


def expired_before(now: datetime) -> datetime:
    """The time before which a key was sent if it has expired at `now`."""
    return now - settings.intake_key_retention()


def purge_expired(now: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete the oldest keys expired at `now`, at most `batch` of them; how many it
    deleted. Their cases stay. A range scan of the index on created_at: the cost follows
    the keys deleted, not the table. The caller commits, and calls again while whole
    batches go."""
    oldest = (
        select(IntakeKey.id)
        .where(IntakeKey.created_at < expired_before(now))
        .order_by(IntakeKey.created_at)
        .limit(batch)
        .scalar_subquery()
    )
    # PostgreSQL planned `id IN (subquery)` as a hash join over a scan of the whole table;
    # the batch's ids as one array are looked up in the primary key. SQLite looks each up.
    if db.session.get_bind().dialect.name == "postgresql":
        chosen = IntakeKey.id == any_(func.array(oldest))
    else:
        chosen = IntakeKey.id.in_(oldest)
    purge = delete(IntakeKey).where(chosen)
    return db.session.execute(purge, execution_options=_UNSYNCHRONIZED).rowcount


def _earlier(key: Key, now: datetime) -> Case | None:
    """The case `key` registered, unless it expired by `now`: then its row is deleted in
    this transaction, for the registration's own row to take its place under the unique
    index. One query, as for a key never sent; a second statement (the delete) only for
    an expired key. Registrations racing under an expired key delete it once (on
    PostgreSQL the second waits for the first's row lock, then deletes nothing); their
    new rows are settled by the unique index as any race is (the loser gets the winner's
    case)."""
    found = db.session.execute(
        select(Case, IntakeKey.id.label("key_id"), IntakeKey.fingerprint, IntakeKey.created_at)
        .join(IntakeKey, IntakeKey.case_id == Case.id)
        .where(IntakeKey.owner == key.owner, IntakeKey.key == key.key)
    ).first()
    if found is None:
        return None
    if found.created_at < expired_before(now):  # as if never sent, whatever its request
        expired = delete(IntakeKey).where(IntakeKey.id == found.key_id)
        db.session.execute(expired, execution_options=_UNSYNCHRONIZED)
        return None
    if found.fingerprint != key.fingerprint:
        raise ValidationFailed({key.field: N_("was used before with a different request")})
    return found.Case
