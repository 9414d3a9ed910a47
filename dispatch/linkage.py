"""联动转办: linkage with other hotlines (12345, the mayor's line).

Transferred in (转入): another hotline passes a case in through the API with channel
`transfer`, its own reference (`external_ref`, required) and who sent it
(`source_hotline`); the same reference from the same hotline makes one case only (a partial
unique index makes that hold under concurrency; a repeat is refused, naming the case).
Transferred out (转出): the lifecycle's `transfer_out` passes a case on to another hotline
and closes it here, keeping the destination and its reference on the case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import N_, Message
from app.models import Case, Channel, Status, User
from app.models.cases import TEXT_MAX
from dispatch.errors import Duplicate
from dispatch.fields import FieldErrors, text

HOTLINE_MAX = 100  # a hotline's name, e.g. 12345市民服务热线
REF_MAX = 64  # another hotline's reference


def transfer_in_fields(data: dict, channel: str | None, errors: FieldErrors) -> dict:
    """The intake's fields of a case transferred in: `external_ref` required for channel
    transfer, `source_hotline` only with it."""
    ref = text(data, "external_ref", errors, max_length=REF_MAX)
    source = text(data, "source_hotline", errors, max_length=HOTLINE_MAX)
    if channel == Channel.TRANSFER and not ref and "external_ref" not in errors.errors:
        errors.add("external_ref", N_("is required for channel transfer (the other hotline's ref)"))
    if source and channel is not None and channel != Channel.TRANSFER:
        errors.add("source_hotline", N_("only with channel transfer"))
    return {"external_ref": ref, "source_hotline": source}


def transferred_in(source_hotline: str, external_ref: str) -> Case | None:
    """The case already transferred in by `source_hotline` with `external_ref`, if any."""
    query = select(Case).where(
        Case.channel == Channel.TRANSFER,
        Case.external_ref == external_ref,
        Case.source_hotline == source_hotline,
    )
    with db.session.no_autoflush:  # a new case may wait in the session
        return db.session.scalars(query.limit(1)).first()


def refuse_repeat(case: Case) -> None:
    """Raise Duplicate when `case` (not yet added) repeats a transfer already registered."""
    if case.channel != Channel.TRANSFER or not case.external_ref:
        return
    existing = transferred_in(case.source_hotline, case.external_ref)
    if existing is not None:
        raise Duplicate(_repeat_message(existing), number=existing.number)


@contextmanager
def registering(case: Case) -> Iterator[None]:
    """Around adding and flushing a newly registered case: a transfer in inside a savepoint,
    so that one racing with the same reference from another request is refused (Duplicate,
    the savepoint rolled back) rather than failing the request."""
    if case.channel != Channel.TRANSFER or not case.external_ref:
        yield
        return
    try:
        with db.session.begin_nested():  # begun before the case joins the session
            yield
    except IntegrityError:
        existing = transferred_in(case.source_hotline, case.external_ref)
        if existing is None:
            raise
        raise Duplicate(_repeat_message(existing), number=existing.number) from None


def _repeat_message(existing: Case) -> Message:
    params = {"ref": existing.external_ref, "number": existing.number}
    if existing.source_hotline:
        return Message(
            "reference %(ref)s from %(hotline)s was transferred in already as case %(number)s",
            hotline=existing.source_hotline,
            **params,
        )
    return Message("reference %(ref)s was transferred in already as case %(number)s", **params)


def transfer_out(case: Case, actor: User, now: datetime, params: dict) -> dict:
    """The lifecycle's `transfer_out`: pass the case on to another hotline (`destination`,
    `reason`, `destination_ref`?) and close it here. Raises ValidationFailed."""
    errors = FieldErrors()
    destination = text(params, "destination", errors, required=True, max_length=HOTLINE_MAX)
    reason = text(params, "reason", errors, required=True, max_length=TEXT_MAX)
    ref = text(params, "destination_ref", errors, max_length=REF_MAX)
    errors.raise_if_any()
    case.status, case.closed_at = Status.CLOSED, now
    case.next_escalation_at = None
    case.transferred_to, case.transferred_ref = destination, ref
    return {
        "destination": destination,
        "destination_ref": ref,
        "reason": reason,
        "from_department": case.department.code if case.department else None,
    }


def taken_back(case: Case) -> None:
    """A case transferred out and reopened is this hotline's again (the history keeps the
    transfer)."""
    case.transferred_to = case.transferred_ref = ""
