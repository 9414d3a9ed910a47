"""办理过程: what a history event's data says, as the case page shows it: labels in the
page's language, departments by name, times local, codes by their names. The data itself
(the API's `events[].data`) stays as it was written; a key this module does not know is
shown as it is."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext, lazy_gettext

from app.models import CaseEvent, Department
from app.web.filters import CHANNEL_NAMES, department_names, local

Detail = tuple[str, str]

LEVEL_NAMES = {  # 预警 / 超期 / 严重超期 (app.models.escalations.LEVEL_NAMES)
    "warning": lazy_gettext("warning"),
    "overdue": lazy_gettext("overdue"),
    "seriously_overdue": lazy_gettext("seriously overdue"),
}
SATISFACTION_NAMES = {
    "satisfied": lazy_gettext("Satisfied"),
    "basically_satisfied": lazy_gettext("Basically satisfied"),
    "not_satisfied": lazy_gettext("Not satisfied"),
}
PAUSE_KINDS = {  # dispatch.pauses.KINDS
    "not_reachable": lazy_gettext("Caller not reachable"),
    "materials": lazy_gettext("Materials to be supplied"),
    "other": lazy_gettext("Other"),
}
PAUSE_ENDED_BY = {
    "department": lazy_gettext("the department"),
    "citizen": lazy_gettext("the caller"),
    "time": lazy_gettext("its expected end"),
}
VIA_NAMES = {"sms": lazy_gettext("SMS"), "phone": lazy_gettext("Phone")}

LABELS = {
    "channel": lazy_gettext("Channel"),
    "source": lazy_gettext("Came through"),
    "source_hotline": lazy_gettext("Sending hotline"),
    "external_ref": lazy_gettext("Their reference"),
    "department": lazy_gettext("Department"),
    "from_department": lazy_gettext("Previous department"),
    "assist": lazy_gettext("Assisting departments"),
    "without": lazy_gettext("Without the opinion of"),
    "reason": lazy_gettext("Reason"),
    "text": lazy_gettext("Text"),
    "resolution": lazy_gettext("Resolution"),
    "until": lazy_gettext("Until"),
    "from": lazy_gettext("Previous deadline"),
    "deadline": lazy_gettext("Deadline"),
    "due": lazy_gettext("Acceptance deadline"),
    "level": lazy_gettext("Level"),
    "satisfied": lazy_gettext("Satisfied"),
    "note": lazy_gettext("Note"),
    "via": lazy_gettext("Via"),
    "of": lazy_gettext("Duplicate of"),
    "kind": lazy_gettext("Kind"),
    "by": lazy_gettext("Ended by"),
    "rework": lazy_gettext("Sent back for rework"),
    "rework_limit_reached": lazy_gettext("Rework limit reached: closed"),
    "override_reason": lazy_gettext("Why not waiting"),
    "reply": lazy_gettext("Reply sent back"),
    "destination": lazy_gettext("Passed on to"),
    "destination_ref": lazy_gettext("Their reference"),
    "answer_by": lazy_gettext("Answer by"),
    "rule_name": lazy_gettext("Routing rule"),
    "keyword": lazy_gettext("Keyword"),
}
TEXT_LABELS = {  # what `text` is, by action
    "reply": lazy_gettext("Reply"),
    "answer_on_call": lazy_gettext("Answer"),
    "follow_up": lazy_gettext("Caller's words"),
    "assist_opinion": lazy_gettext("Opinion"),
    "answer_notice": lazy_gettext("Answer"),
}
# Shown through another key (the rule's id with its name, the escalation's level name with
# its level) or of no use to a reader (row ids).
FOLDED = {"rule_id", "name", "notice", "notices"}
TIMES = {"until", "from", "deadline", "due", "answer_by"}
# Values that are codes, shown by their names (an escalation's `level` is handled apart).
NAMED_VALUES = {
    "channel": CHANNEL_NAMES,
    "level": SATISFACTION_NAMES,  # a callback's
    "kind": PAUSE_KINDS,
    "by": PAUSE_ENDED_BY,
    "via": VIA_NAMES,
}


def timeline(
    events: list[CaseEvent], departments: list[Department]
) -> list[tuple[CaseEvent, list[Detail]]]:
    """Each event of a case's history with its (label, value) lines, in the page's
    language; departments named from `departments` (all of them, as the page lists)."""
    names = department_names(departments)
    return [(event, details(event, names)) for event in events]


def details(event: CaseEvent, department_names: dict[str, str]) -> list[Detail]:
    """(label, value) lines of `event`'s data; departments named from `department_names`
    (code -> name)."""
    data = event.data or {}
    # By the routing, not a person: a dispatch, or a registration left waiting (待派).
    routed = event.action in ("dispatch", "register") and "reason" in data
    lines = []
    for key, value in data.items():
        if key in FOLDED or value in (None, "", [], False) or (routed and key == "reason"):
            continue
        label = _label(event.action, key)
        lines.append((label, _value(event.action, key, value, data, department_names)))
    if routed and not data.get("rule_name"):
        lines.append((gettext("Routing"), _unruled(data)))
    return lines


def _label(action: str, key: str) -> str:
    if key == "text" and action in TEXT_LABELS:
        return str(TEXT_LABELS[action])
    return str(LABELS.get(key, key))


def _value(action: str, key: str, value, data: dict, department_names: dict[str, str]) -> str:
    if key in ("department", "from_department") and isinstance(value, str):
        return department_names.get(value, value)
    if key in ("assist", "without") and isinstance(value, list):
        return "、".join(department_names.get(code, str(code)) for code in value)
    if key in TIMES and isinstance(value, str):
        return _time(value)
    if key == "level" and action == "escalate":
        name = LEVEL_NAMES.get(data.get("name"), data.get("name") or "")
        return gettext("level %(level)s · %(name)s", level=value, name=name)
    if key in NAMED_VALUES and isinstance(value, str):
        return str(NAMED_VALUES[key].get(value, value))
    if value is True:
        return gettext("yes")
    return str(value)


def _unruled(data: dict) -> str:
    """Routing without a rule: the category's default department, or none (待派)."""
    if data.get("department"):
        return gettext("no rule matched: the category's default department")
    return gettext("no rule matched and the category has no default department")


def _time(value: str) -> str:
    try:
        return local(datetime.fromisoformat(value))
    except ValueError:
        return value
