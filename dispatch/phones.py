"""Phone numbers: normalize() to E.164 at every boundary, format and mask() for display."""

from __future__ import annotations

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
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    if phonenumbers.number_type(number) not in ACCEPTED_TYPES:
        raise InvalidPhone("not a number that can be called back")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


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
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in SMS_TYPES
