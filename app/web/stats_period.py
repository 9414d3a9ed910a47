"""The dashboard's period picker: this month, last month, this year or from/to, a grouping,
and the period each is compared with; the monthly report's month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from dispatch import stats
from dispatch.errors import ValidationFailed

KINDS = ("this_month", "last_month", "this_year", "custom")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    by: str
    previous_start: date
    previous_end: date

    def query(self) -> dict[str, str]:
        """The query string that shows this period again (for links and the export)."""
        return {"period": self.kind, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "by": self.by}  # fmt: skip

    def slug(self) -> str:
        """The period in file names: 2026-11-01_2026-11-30."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s month."""
    return month_start(month_start(day) - timedelta(days=1))


def month_end(day: date) -> date:
    following = month_start(day) + timedelta(days=32)
    return month_start(following) - timedelta(days=1)


def _same_day_in(first: date, day: int) -> date:
    """`first` (a month's first day) moved to `day` of its month, or its last day."""
    return min(first.replace(day=1) + timedelta(days=day - 1), month_end(first))


def parse(args, today: date, default_by: str = "department") -> Period:
    """The period that the query asks for. Raises ValidationFailed naming the field, with
    the message in the page's language."""
    kind = args.get("period") or ("custom" if args.get("from") or args.get("to") else "")
    kind = kind or "this_month"
    by = args.get("by") or default_by
    if kind not in KINDS:
        raise ValidationFailed({"period": _("Choose a period from the list.")})
    if kind == "this_month":
        start, end = month_start(today), today
        previous = previous_month(today)
        before = (previous, _same_day_in(previous, today.day))
    elif kind == "last_month":
        start = previous_month(today)
        end = month_end(start)
        before = (previous_month(start), start - timedelta(days=1))
    elif kind == "this_year":
        start, end = date(today.year, 1, 1), today
        before = (date(today.year - 1, 1, 1), _year_before(today))
    else:
        start, end = _dates(args, today)
        before = stats.previous_period(start, end)
    _check(start, end, by)
    return Period(kind, start, end, by, *before)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _dates(args, today: date) -> tuple[date, date]:
    errors, found = {}, {}
    for name, default in (("from", month_start(today)), ("to", today)):
        text = (args.get(name) or "").strip()
        try:
            found[name] = date.fromisoformat(text) if text else default
            if not 1900 <= found[name].year <= 2999:  # the arithmetic stays in range
                raise ValueError(text)
        except ValueError:
            errors[name] = _("Not a date: write it as 2026-11-30.")
    if errors:
        raise ValidationFailed(errors)
    return found["from"], found["to"]


def _check(start: date, end: date, by: str) -> None:
    try:
        stats.check_period(start, end, by)
    except ValidationFailed as exc:
        raise ValidationFailed({name: _message(text) for name, text in exc.fields.items()}) from exc


def _message(text: str) -> str:
    if text.startswith("must be one of"):
        return _("Choose a grouping from the list.")
    if text == "must not be after to":
        return _("The start must not be after the end.")
    if text.startswith("the period may be at most"):
        return _("The period may be at most ten years.")
    return text


MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits (\d takes ٢ too)


def parse_month(text: str | None, today: date) -> date:
    """The first day of the month asked for (YYYY-MM; by default the month before today's).
    Raises ValidationFailed."""
    if not text:
        return previous_month(today)
    found = MONTH.fullmatch(text.strip())
    year, month = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        raise ValidationFailed({"month": _("Not a month: write it as 2026-11.")})
    return date(year, month, 1)
