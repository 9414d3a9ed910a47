"""Field checks shared by the services: each returns the clean value or records an error."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from app.i18n import N_, Message
from dispatch.errors import ValidationFailed


class FieldErrors:
    """Collects field errors and raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def storable(raw: str) -> str:
    """`raw` without what no text column stores (NUL, lone surrogates): for what a provider
    sends (Twilio's callbacks), kept rather than refused."""
    return raw.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")


def provider_id(raw: str, name: str, max_length: int) -> str:
    """An id a provider sends (Twilio's CallSid, MessageSid): required, text, at most
    `max_length` characters (cutting it could merge two); raises ValidationFailed."""
    if not raw:
        raise ValidationFailed({name: N_("is required")})
    if clean_text(raw) is None or len(raw) > max_length:
        message = Message("must be text of at most %(n)d characters", n=max_length)
        raise ValidationFailed({name: message})
    return raw


def clean_text(value: Any) -> str | None:
    """None when `value` is not storable text (not a string, NUL, lone surrogates)."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def text(
    data: dict,
    name: str,
    errors: FieldErrors,
    *,
    required: bool = False,
    max_length: int = 200,
) -> str:
    """A text field, stored as given (trimmed at the ends)."""
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors.add(name, N_("is required"))
        return ""
    value = clean_text(raw)
    if value is None:
        errors.add(name, N_("must be text"))
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add(name, Message("must be at most %(n)d characters", n=max_length))
    return value


def choice(data: dict, name: str, options: type, errors: FieldErrors, default=None):
    """One of an enum's values."""
    raw = data.get(name, default)
    if raw is None:
        errors.add(name, N_("is required"))
        return None
    try:
        return options(raw)
    except (ValueError, TypeError):
        errors.add(name, one_of(options))
        return None


def coordinates(
    data: Mapping[str, Any], names: tuple[str, str], errors: FieldErrors, *, form: bool = False
) -> tuple[float | None, float | None]:
    """A location in WGS84 degrees from the fields `names` (latitude, longitude), both or
    neither: JSON numbers, or a form's text of numbers (`form`); (None, None) when neither
    is given."""
    lat_name, long_name = names
    raw = (data.get(lat_name), data.get(long_name))
    if all(value is None or value == "" for value in raw):
        return None, None
    try:
        latitude, longitude = (_degrees(value, form) for value in raw)
    except ValueError:
        errors.add(
            lat_name,
            Message(
                "%(lat)s and %(long)s must both be WGS84 degrees", lat=lat_name, long=long_name
            ),
        )
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors.add(
            lat_name,
            Message(
                "%(lat)s must be within ±90 and %(long)s within ±180", lat=lat_name, long=long_name
            ),
        )
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _degrees(value: Any, form: bool) -> float:
    if form and isinstance(value, str):
        value = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    degrees = float(value)
    if not math.isfinite(degrees):
        raise ValueError(value)
    return degrees


def one_of(options: type) -> Message:
    """The error of a value that is none of an enum's."""
    return Message("must be one of %(values)s", values=", ".join(o.value for o in options))


_WHOLE_NUMBER = re.compile(r"[0-9]{1,100}")


def whole_number(raw: Any, low: int | None = None, high: int | None = None) -> int | None:
    """`raw` as a whole number from `low` to `high` (when given): an int, or text of the
    ASCII digits 0-9 (trimmed); None for anything else, e.g. "²" and "٣" (which
    str.isdigit() takes), "+1", "1_000" and "1e3" (which int() takes)."""
    if isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int) or isinstance(raw, bool):
        return None
    if (low is not None and raw < low) or (high is not None and raw > high):
        return None
    return raw


def boolean(data: dict, name: str, errors: FieldErrors) -> bool | None:
    raw = data.get(name)
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    errors.add(name, N_("must be true or false"))
    return None


# The years a date or time given to the hotline may fall in: what it stores, shows in
# local time and counts by day stays within the calendar's range (year 1 with an offset,
# or year 9999 plus a day, overflows).
FIRST_YEAR, LAST_YEAR = 1900, 2999
OUT_OF_RANGE = Message(
    "must be in the years %(first)s to %(last)s", first=FIRST_YEAR, last=LAST_YEAR
)


def in_calendar(value: date | datetime) -> bool:
    """True when `value` (a date, or an aware time: its UTC day) is within the years the
    hotline takes."""
    if isinstance(value, datetime):
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            return False
    return FIRST_YEAR <= value.year <= LAST_YEAR


def aware_datetime(data: dict, name: str, errors: FieldErrors) -> datetime | None:
    raw = data.get(name)
    if not isinstance(raw, str) or not raw.strip():
        errors.add(name, N_("is required (ISO 8601 with offset)"))
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors.add(name, N_("must be an ISO 8601 time with offset"))
        return None
    if value.tzinfo is None:
        errors.add(name, N_("must have a UTC offset"))
        return None
    if not in_calendar(value):
        errors.add(name, OUT_OF_RANGE)
        return None
    return value
