"""SMS templates (短信模板): the built-in Chinese wording of each message, an administrator's
own wording when saved, and the filling in: the sender named in front, long texts
shortened at the field that may be shortened so that a message stays within a few
segments (Twilio joins the segments of a long message on the phone)."""

from __future__ import annotations

import logging
import string
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.i18n import N_, Message
from app.models import SmsTemplate
from dispatch.errors import ValidationFailed
from dispatch.fields import clean_text

log = logging.getLogger(__name__)

SENDER = "【12319热线】"
# A Chinese text goes as UCS-2: 70 characters in one segment, 67 in each part of a long
# message. Citizens' messages stay within three parts.
SEGMENT = 67
MAX_SEGMENTS = 3
MAX_CHARS = SEGMENT * MAX_SEGMENTS
BODY_MAX = 500
ELLIPSIS = "…"
CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class Template:
    name: str
    title: str  # shown to administrators (English; translated on the page)
    default: str
    fields: tuple[str, ...]
    shorten: str | None = None  # the field cut first when the text is too long
    sample: tuple[tuple[str, str], ...] = ()


_SAMPLE = (
    ("number", "R2026112300001"),
    ("deadline", "11月25日 23:59"),
    ("link", "https://12319.example.gov.cn/track?number=R2026112300001"),
    ("category", "供水"),
    ("address", "朝阳区建国路88号"),
)

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "receipt",
            N_("Receipt to the caller"),
            "您反映的问题已受理,工单号{number},我们将于{deadline}前答复您。查询进度:{link}",
            ("number", "deadline", "link"),
            sample=_SAMPLE,
        ),
        Template(
            "reply",
            N_("The department's answer to the caller"),
            "工单{number}办理结果:{answer} 详情:{link}",
            ("number", "answer", "link"),
            shorten="answer",
            sample=(*_SAMPLE, ("answer", "经现场核查,管道破损已于今日修复,供水已恢复正常。")),
        ),
        Template(
            "satisfaction",
            N_("Satisfaction question to the caller"),
            "请对工单{number}的办理结果评价:回复1满意,2基本满意,3不满意。回复退订不再接收。",
            ("number",),
            sample=_SAMPLE,
        ),
        Template(
            "transferred_out",
            N_("Passed on to another hotline: to the caller"),
            "您反映的问题(工单{number})已转至{destination}办理,请留意其联系。",
            ("number", "destination"),
            shorten="destination",
            sample=(*_SAMPLE, ("destination", "12345市民服务热线")),
        ),
        Template(
            "emergency_dispatch",
            N_("Emergency case to the department's on-call phone"),
            "紧急工单{number}({category}):{address} {description} 请于{onsite}前到场处置。",
            ("number", "category", "address", "description", "onsite"),
            shorten="description",
            sample=(*_SAMPLE, ("description", "燃气管道泄漏,有明显气味"), ("onsite", "14:30")),
        ),
        Template(
            "escalation_1",
            N_("Deadline near: to the department's on-call phone"),
            "工单{number}({category})将于{deadline}到期,请抓紧办理。",
            ("number", "category", "deadline"),
            sample=_SAMPLE,
        ),
        Template(
            "escalation_2",
            N_("Overdue: to the department head"),
            "工单{number}({category})已超期未反馈,已启动督办,请立即办理并回复。",
            ("number", "category", "deadline"),
            sample=_SAMPLE,
        ),
        Template(
            "escalation_3",
            N_("Seriously overdue: to the department head"),
            "工单{number}({category})严重超期,已报热线领导,请立即办理。",
            ("number", "category", "deadline"),
            sample=_SAMPLE,
        ),
    )
}

_saved: dict[str, str] = {}
_loaded_at = float("-inf")


def wording(name: str) -> str:
    """The text of template `name` in force: the administrator's, else the built-in one."""
    global _saved, _loaded_at
    if time.monotonic() - _loaded_at > CACHE_SECONDS:
        rows = db.session.execute(select(SmsTemplate.name, SmsTemplate.body)).all()
        _saved = {name: body for name, body in rows if usable(name, body)}
        _loaded_at = time.monotonic()
    return _saved.get(name) or TEMPLATES[name].default


def render(name: str, **values: str) -> str:
    """The message of template `name` with `values` filled in and the sender in front."""
    return fill(wording(name), TEMPLATES[name], values)


def fill(body: str, template: Template, values: dict[str, str]) -> str:
    text = SENDER + body.format_map({f: values.get(f, "") for f in template.fields})
    over = len(text) - MAX_CHARS
    field = template.shorten
    if over > 0 and field and values.get(field):
        value = values[field]
        keep = max(len(value) - over - len(ELLIPSIS), 0)
        shortened = {**values, field: value[:keep] + ELLIPSIS}
        text = SENDER + body.format_map({f: shortened.get(f, "") for f in template.fields})
    return text


def preview(name: str, body: str | None = None) -> str:
    """The message as a citizen would read it, filled with sample values."""
    template = TEMPLATES[name]
    return fill(body if body is not None else wording(name), template, dict(template.sample))


def segments(text: str) -> int:
    """How many SMS parts `text` takes (UCS-2: Chinese text)."""
    return 1 if len(text) <= 70 else -(-len(text) // SEGMENT)


def check(name: str, body: str) -> str:
    """A wording an administrator typed, validated; raises ValidationFailed naming `body`."""
    if name not in TEMPLATES:
        raise ValidationFailed({"name": N_("unknown template")})
    template = TEMPLATES[name]
    if body is not None and clean_text(body) is None:
        raise ValidationFailed({"body": N_("must be text")})
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": N_("is required")})
    if len(body) > BODY_MAX:
        raise ValidationFailed({"body": Message("at most %(n)d characters", n=BODY_MAX)})
    used = placeholders(body)
    unknown = sorted(used - set(template.fields))
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in template.fields)
        raise ValidationFailed(
            {
                "body": Message(
                    "unknown placeholder %(name)s; use %(allowed)s",
                    name=unknown[0] or "{}",
                    allowed=allowed,
                )
            }
        )
    if "number" not in used:
        raise ValidationFailed({"body": N_("must contain {number} (the case number)")})
    return body


def placeholders(body: str) -> set[str]:
    """The names in `body`'s braces; raises ValidationFailed on unbalanced braces or a
    placeholder with a format or a conversion (`{number:d}`, `{number!r}`), which filling
    in would trip over. A positional `{}` or an access like `{number.x}` comes back as a
    name no template has."""
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        raise ValidationFailed({"body": N_("unbalanced { or }")}) from None
    used = set()
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion is not None:
            raise ValidationFailed({"body": N_("placeholders take no format or conversion")})
        used.add(field)
    return used


def usable(name: str, body: str) -> bool:
    """Whether a stored wording still passes check (one saved before a check was added
    would break every message of its kind: the built-in wording goes out instead)."""
    try:
        check(name, body)
    except ValidationFailed as exc:
        log.warning("SMS template %r ignored: %s", name, exc.fields.get("body", exc.fields))
        return False
    return True


def forget() -> None:
    """Read the wording from the database again at the next message."""
    global _loaded_at
    _loaded_at = float("-inf")


def save(name: str, body: str, now: datetime) -> SmsTemplate:
    """Store an administrator's wording (validated); the caller commits."""
    body = check(name, body)
    row = db.session.get(SmsTemplate, name)
    if row is None:
        row = SmsTemplate(name=name, body=body, updated_at=now)
        db.session.add(row)
    else:
        row.body, row.updated_at = body, now
    forget()
    return row


def reset(name: str) -> None:
    """Go back to the built-in wording; the caller commits."""
    row = db.session.get(SmsTemplate, name)
    if row is not None:
        db.session.delete(row)
    forget()
