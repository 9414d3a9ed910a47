"""来电 calls: record an incoming call (idempotent by CallSid), follow its status, pop it
up to operators with the caller's history, and turn a message left after hours into a case."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.i18n import N_, Message
from app.models import Call, Case, Channel, Role
from dispatch import cases, intake, phones, settings
from dispatch.errors import ValidationFailed
from dispatch.fields import clean_text, provider_id, storable, whole_number
from notifications import events

FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
SID_MAX, STATUS_MAX, URL_MAX = 64, 20, 500  # the columns' lengths
DURATION_MAX = 2**31 - 1  # seconds; the column is a 32-bit integer


def within_hours(now: datetime, hours: str) -> bool:
    """True when `now` (local time) falls inside 'HH:MM-HH:MM' (24:00 allowed as the end)."""
    start_text, end_text = hours.split("-")
    local = now.astimezone(settings.timezone()).time()
    start = _clock(start_text)
    end = time.max if end_text.strip() == "24:00" else _clock(end_text)
    return start <= local < end if start <= end else local >= start or local < end


def _clock(text: str) -> time:
    hour, minute = text.strip().split(":")
    return time(int(hour), int(minute))


def _caller(raw: str) -> str:
    try:
        return phones.normalize(raw, settings.phone_region())
    except phones.InvalidPhone:
        return ""  # withheld or unparseable: the call is still recorded


def _sid(raw: str) -> str:
    """A CallSid as Twilio sends one; raises ValidationFailed."""
    return provider_id(raw, "CallSid", SID_MAX)


def receive(call_sid: str, from_raw: str, to_raw: str, now: datetime, hours: str) -> Call:
    """Record an incoming call once per CallSid and, the first time, pop it up to operators.
    Raises ValidationFailed (no CallSid, or not one)."""
    call_sid = _sid(call_sid)
    in_hours = within_hours(now, hours)
    row = {
        "call_sid": call_sid,
        "from_phone": _caller(storable(from_raw)),
        "to_phone": storable(to_raw)[:40],
        "status": "ringing",
        "in_hours": in_hours,
        "started_at": now,
        "updated_at": now,
        "recording_url": "",
        "recording_sid": "",
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Call).values(row).on_conflict_do_nothing(index_elements=["call_sid"])
    created = db.session.execute(stmt.returning(Call.id)).first() is not None
    call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
    if created:
        events.publish(db.session, events.CALL_INCOMING, popup(call, now), _operator_rooms())
    return call


def popup(call: Call, now: datetime) -> dict:
    """What the operator's screen shows when the phone rings: the caller's history."""
    earlier = cases.earlier_cases(call.from_phone, limit=10) if call.from_phone else []
    open_cases = [c for c in earlier if c.is_open]
    return {
        "call_sid": call.call_sid,
        "from_phone": call.from_phone,
        "from_display": phones.display(call.from_phone) if call.from_phone else "",
        "status": call.status,
        "in_hours": call.in_hours,
        "earlier_cases": [_summary(c) for c in earlier],
        "open_case": _summary(open_cases[0]) if open_cases else None,
        "at": now.isoformat(),
    }


def _summary(case: Case) -> dict:
    return {
        "number": case.number,
        "status": case.status,
        "category": case.category.name,
        "created_at": case.created_at.isoformat(),
        "description": case.description[:80],
    }


def update_status(call_sid: str, status: str, duration: str | None, now: datetime) -> Call | None:
    """Follow a call's status (Twilio may repeat or reorder callbacks: the final one stays).
    Raises ValidationFailed (no CallSid or status, or a duration that is no number of
    seconds) before it changes anything."""
    call_sid, seconds = _sid(call_sid), _duration(duration)
    if not status or clean_text(status) is None or len(status) > STATUS_MAX:
        raise ValidationFailed(
            {"CallStatus": Message("must be text of at most %(n)d characters", n=STATUS_MAX)}
        )
    call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).first()
    if call is None:
        return None
    if call.status in FINAL_STATUSES and status not in FINAL_STATUSES:
        return call
    call.status, call.updated_at = status, now
    if status in FINAL_STATUSES:
        call.ended_at = call.ended_at or now
        if seconds is not None:
            call.duration_seconds = seconds
    payload = {"call_sid": call.call_sid, "status": call.status, "at": now.isoformat()}
    events.publish(db.session, events.CALL_UPDATED, payload, _operator_rooms())
    return call


def _duration(raw: str | None) -> int | None:
    """Twilio's CallDuration in seconds (None when not given); raises ValidationFailed."""
    if raw is None or raw == "":
        return None
    seconds = whole_number(raw)
    if seconds is None:
        raise ValidationFailed({"CallDuration": N_("must be a whole number")})
    if seconds > DURATION_MAX:
        raise ValidationFailed(
            {"CallDuration": Message("must be from %(low)s to %(high)s", low=0, high=DURATION_MAX)}
        )
    return seconds


def take_message(
    call_sid: str, recording_url: str, recording_sid: str, now: datetime, category: str
) -> Case | None:
    """A message left after hours becomes a case waiting for an operator's callback (once).
    A recording's address too long or not storable is kept as far as it fits: the caller
    is called back all the same (the RecordingSid on the call finds the recording).
    Raises ValidationFailed (no CallSid, or not one)."""
    call = db.session.scalars(select(Call).where(Call.call_sid == _sid(call_sid))).first()
    if call is None or call.case_id is not None:
        return None
    call.recording_url = storable(recording_url)[:URL_MAX]
    call.recording_sid = storable(recording_sid)[:SID_MAX]
    data = {
        "channel": Channel.PHONE,
        "caller_phone": call.from_phone or "",
        "category": category,
        "description": f"非工作时间留言,请回电。录音:{call.recording_url}",
    }
    if not call.from_phone:
        return None  # no number to call back: the recording stays on the call
    case = intake.register_case(data, None, now)
    call.case_id = case.id
    return case


def _operator_rooms() -> list[str]:
    return [events.role_room(Role.OPERATOR), events.role_room(Role.SUPERVISOR)]
