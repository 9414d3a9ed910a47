"""短信来件: texts citizens send to the hotline's number, each handled once per Twilio
MessageSid. An answer to the satisfaction question records the callback (回访); an opt-out
word stops further messages; any other text is a follow-up (补充) on the sender's newest open
case, or, from a sender without one, a new case waiting for an operator."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Case, Channel, InboundSms, Role, SmsOptOut, Status
from dispatch import intake, lifecycle, pauses, phones, settings
from dispatch.fields import provider_id, storable
from dispatch.transitions import OPEN
from notifications import events

OPT_OUT_WORDS = {"退订", "TD", "T", "取消", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END"}
OPT_IN_WORDS = {"START", "UNSTOP", "订阅", "恢复"}

# An answer to "回复1满意,2基本满意,3不满意": the digit or the words, as the first thing in the
# text; what follows is kept as the citizen's note. Longer phrases are tried first.
ANSWERS = [
    ("非常不满意", "not_satisfied"),
    ("很不满意", "not_satisfied"),
    ("不太满意", "not_satisfied"),
    ("不满意", "not_satisfied"),
    ("基本满意", "basically_satisfied"),
    ("比较满意", "basically_satisfied"),
    ("还算满意", "basically_satisfied"),
    ("非常满意", "satisfied"),
    ("很满意", "satisfied"),
    ("满意", "satisfied"),
    ("1", "satisfied"),
    ("2", "basically_satisfied"),
    ("3", "not_satisfied"),
]
_PUNCTUATION = re.compile(r"[\s\W_]+")
SID_MAX, BODY_MAX = 64, 1600


@dataclass(frozen=True)
class Outcome:
    kind: str  # callback, follow_up, new_case, opt_out, opt_in, ignored, duplicate
    case: Case | None = None


def receive(message_sid: str, sender: str, body: str, now: datetime) -> Outcome:
    """Handle one inbound text; a MessageSid seen before changes nothing (`duplicate`).
    What no column stores (NUL) is left out of the text: a citizen's text is handled all
    the same. Raises ValidationFailed (no MessageSid, or not one) before writing."""
    provider_id(message_sid, "MessageSid", SID_MAX)
    sender, body = storable(sender or ""), storable(body or "")[:BODY_MAX]
    try:
        phone = phones.normalize(sender, settings.phone_region())
    except phones.InvalidPhone:
        phone = ""
    row_id = _claim(message_sid, phone or sender[:20], body, now)
    if row_id is None:
        return Outcome("duplicate")
    outcome = _handle(phone, body, now) if phone else Outcome("ignored")
    row = db.session.get(InboundSms, row_id)
    row.outcome, row.case_id = outcome.kind, outcome.case.id if outcome.case else None
    if outcome.case is not None:
        _publish(outcome, phone, body, now)
    return outcome


def answer_level(body: str) -> tuple[str, str] | None:
    """(level, note) when `body` answers the satisfaction question, else None."""
    text = unicodedata.normalize("NFKC", body).strip()
    for word, level in ANSWERS:
        if text.startswith(word):
            rest = text[len(word) :]
            if word.isdigit() and rest[:1].isdigit():
                return None  # "12345" is not an answer
            return level, _PUNCTUATION.sub(" ", rest).strip()
    return None


def opted_out(phone: str) -> bool:
    return db.session.get(SmsOptOut, phone) is not None


def _handle(phone: str, body: str, now: datetime) -> Outcome:
    word = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", body)).upper()
    if word in OPT_OUT_WORDS:
        if not opted_out(phone):
            db.session.add(SmsOptOut(phone=phone, keyword=word[:32], created_at=now))
        return Outcome("opt_out")
    if word in OPT_IN_WORDS:
        db.session.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))
        return Outcome("opt_in")
    answer = answer_level(body)
    if answer is not None:
        case = _newest(phone, {Status.REPLIED}, released=True)
        if case is not None:
            level, note = answer
            return Outcome("callback", lifecycle.citizen_callback(case, level, note, now, "sms"))
    case = _newest(phone, OPEN)
    if case is not None:
        lifecycle.follow_up(case, body, now, "sms")
        pauses.end_if_paused(case, now, "citizen")  # the caller answered: the clock runs
        return Outcome("follow_up", case)
    if answer is not None:  # a late answer, the callback already done: nothing to open
        return Outcome("ignored")
    data = {
        "channel": Channel.SMS,
        "caller_phone": phone,
        "category": current_app.config["SMS_CATEGORY"],
        "description": body.strip() or "(空短信)",
    }
    return Outcome("new_case", intake.register_case(data, None, now, route=False))


def _newest(phone: str, statuses, released: bool = False) -> Case | None:
    """The sender's newest case in `statuses`; `released`: only a reply already released to
    the caller (a reply waiting for review was never asked about)."""
    query = select(Case).where(Case.caller_phone == phone, Case.status.in_(list(statuses)))
    if released:
        query = query.where(Case.reply_approved_at.is_not(None))
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(1).with_for_update()
    return db.session.scalars(query).first()


def _claim(message_sid: str, phone: str, body: str, now: datetime) -> int | None:
    """Insert the text's row; None when this MessageSid was taken before (or right now, by
    a concurrent delivery of the same webhook: the unique key decides)."""
    table = InboundSms.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = {"message_sid": message_sid, "from_phone": phone, "body": body, "outcome": ""}
    stmt = (
        insert(table)
        .values(**row, received_at=now)
        .on_conflict_do_nothing(index_elements=["message_sid"])
        .returning(table.c.id)
    )
    return db.session.execute(stmt).scalar()


def _publish(outcome: Outcome, phone: str, body: str, now: datetime) -> None:
    case = outcome.case
    rooms = [events.role_room(Role.OPERATOR), events.role_room(Role.SUPERVISOR)]
    rooms += [events.department_room(d.id) for d in lifecycle.departments_of(case)]
    payload = {
        "number": case.number,
        "kind": outcome.kind,
        "from": phones.mask(phone),
        "text": body[:500],
        "status": case.status,
        "at": now.isoformat(),
    }
    events.publish(db.session, events.SMS_RECEIVED, payload, rooms)
