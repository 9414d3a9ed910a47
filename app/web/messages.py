"""The services' messages (field errors, refused actions) in the page's language. The
services write English, marked for extraction (`N_` for plain texts, `Message` for texts
with parameters, app/i18n.py); the JSON API answers that English as it is. A message the
catalogue does not have is shown as it is."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext, lazy_gettext

from app.i18n import Message
from app.web.filters import ACTION_NAMES, ROLE_NAMES, STATUS_NAMES
from app.web.history import LABELS

# A location's fields, named in messages about them (the API's and the forms' names).
COORDINATE_NAMES = {
    "latitude": lazy_gettext("latitude"),
    "longitude": lazy_gettext("longitude"),
    "lat": lazy_gettext("latitude"),
    "long": lazy_gettext("longitude"),
}

# Parameters that are codes, shown by their names.
NAMED_PARAMS = {
    "action": ACTION_NAMES,
    "status": STATUS_NAMES,
    "role": ROLE_NAMES,
    "lat": COORDINATE_NAMES,
    "long": COORDINATE_NAMES,
}

# Field names as the pages' labels call them, for messages shown away from their field: an
# action's parameters are named as the history names them.
FIELD_LABELS = {
    **LABELS,
    "files": lazy_gettext("Attachments"),
    "caller_phone": lazy_gettext("Phone"),
    "description": lazy_gettext("Description"),
    "category": lazy_gettext("Category"),
    "phone": lazy_gettext("Phone"),
    "q": lazy_gettext("Search"),
    "status": lazy_gettext("Status"),
    "action": lazy_gettext("Action"),
}


def translated(message: str) -> str:
    """`message` in the page's language."""
    if isinstance(message, Message):
        params = {name: _param(name, value) for name, value in message.params.items()}
        return gettext(message.msgid, **params)
    return gettext(message) if message else message


def _param(name: str, value):
    if isinstance(value, Message):  # a message inside another (a CSV line's problem)
        return translated(value)
    if name in NAMED_PARAMS:
        return str(NAMED_PARAMS[name].get(value, value))
    return value


def field_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """Field name -> its error in the page's language (for messages beside their fields)."""
    return {name: translated(message) for name, message in fields.items()}


def summary(fields: Mapping[str, str]) -> str:
    """All field errors on one line, each after its field's label (for a flash)."""
    return "; ".join(
        f"{FIELD_LABELS.get(name, name)}: {translated(message)}" for name, message in fields.items()
    )
