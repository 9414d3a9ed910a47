"""Phone numbers: normalize() to E.164 at every boundary, format and mask() for display."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

ACCEPTED_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def normalize(text: str, region: str = "CN") -> str:
    """Parse a number as typed (mobile, or fixed line with area code) to E.164.

    Raises InvalidPhone.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 40:
        raise InvalidPhone("not a phone number")
    try:
        number = phonenumbers.parse(text.strip(), region)
    except NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    kind = phonenumbers.number_type(number)  # UNKNOWN exactly when is_valid_number() fails
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise InvalidPhone("not a valid phone number")
    if kind not in ACCEPTED_TYPES:
        raise InvalidPhone("not a number that can be called back")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    _remember_type(e164, kind)
    return e164


def display(e164: str, region: str = "CN") -> str:
    """A stored number as people read it: national form at home, international abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str) -> str:
    """Hide the middle of a number: +8613812341234 -> '+86 138****1234'."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return "****"
    national = phonenumbers.national_significant_number(number)
    head = national[:3] if len(national) >= 8 else national[:1]
    tail = national[-4:]
    hidden = "*" * max(len(national) - len(head) - len(tail), 1)
    return f"+{number.country_code} {head}{hidden}{tail}"


def last4(e164: str) -> str:
    """The last four digits, for the public lookup."""
    return e164[-4:] if e164 else ""


SMS_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def can_receive_sms(e164: str) -> bool:
    """True for a mobile number (a fixed line cannot take a text message)."""
    kind = _known_types.get(e164)
    if kind is None:
        try:
            kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
        except NumberParseException:
            return False
    return kind in SMS_TYPES


# The types of the numbers normalized lately (a registration asks again for its receipt):
# working out a number's type is the dearest step of phonenumbers.
_known_types: dict[str, int] = {}
KNOWN_TYPES_MAX = 10_000


def _remember_type(e164: str, kind: int) -> None:
    if len(_known_types) >= KNOWN_TYPES_MAX:
        _known_types.clear()
    _known_types[e164] = kind


# A phone number written into free text: 7 to 18 digits (an ID card number too, with its
# final X), maybe after + and grouped the ways people write them: by spaces (also the
# full-width one), hyphens and dashes of every width, dots, slashes or underscores, up to
# three of them between two digits (138-1234-1234, 138－1234－5678, 138.1234.5678,
# 010 8765 4321, 138 - 1234 - 5678, +86 13812341234); not glued to ASCII letters or
# other digits (a case number R2026112200001 is not one).
_SEPARATOR = "[ \u3000\\-\u2010-\u2015\u2212\uff0d./_\u00b7]"
_DIGIT_RUN = re.compile(
    rf"(?<![A-Za-z0-9+\uff0b])[+\uff0b]?\d(?:{_SEPARATOR}{{0,3}}\d){{6,17}}[Xx]?(?![A-Za-z0-9])"
)
# A date at the start of a run (2026-11-23, 2026.11.23, 2026/11/23; then maybe an hour,
# 2026-12-03 16:00): kept, and what follows it looked at on its own.
_DATE = re.compile(r"^\d{4}([-./])(0?[1-9]|1[0-2])\1(0?[1-9]|[12]\d|3[01])(?!\d)")


def mask_in_text(value: str) -> str:
    """Hide phone-number-looking digit runs (and ID card numbers) in free text, keeping
    the first three digits: '电话13812341234' -> '电话138********'; dates stay."""
    return _DIGIT_RUN.sub(_mask_run, value) if value else value


def _mask_run(match: re.Match) -> str:
    run = match.group(0)
    date = _DATE.match(run)
    if date:
        return run[: date.end()] + mask_in_text(run[date.end() :])
    kept, out = 0, []
    for char in run:
        if char.isdigit() or char in "Xx":
            kept += 1
            out.append(char if kept <= 3 else "*")
        else:
            out.append(char)
    return "".join(out)
