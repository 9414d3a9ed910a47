"""工作日历 administration: the administrator's override dates (a workday or a holiday, with
a note) over the library's schedule, their CSV import, and which years a source covers.

CSV format (UTF-8, a header line first; a bad row rejects the whole file):

    date,type,note
    2027-01-01,holiday,元旦
    2027-02-07,workday,春节调休

`type` is `holiday` or `workday`; `note` may be left out. A date already overridden takes
the file's type and note."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from sqlalchemy import extract, func, select

from app.extensions import db
from app.i18n import N_, Message
from app.models import CalendarOverride
from dispatch import reference
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import FieldErrors, clean_text, text
from dispatch.workcalendar import library_schedule

TYPES = {"holiday": False, "workday": True}
FIRST_YEAR, LAST_YEAR = 2000, 2199
NOTE_MAX = 200
MAX_ROWS = 2000
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits (\d takes ٢ too)


@dataclass(frozen=True)
class Coverage:
    """Who knows a year's holidays: the library, the overrides, or nobody (Monday–Friday)."""

    year: int
    library: bool
    overrides: int

    @property
    def covered(self) -> bool:
        return self.library or self.overrides > 0


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int
    years: list[int]


def list_overrides(year: int) -> list[CalendarOverride]:
    """The override dates of `year`, in date order."""
    stmt = select(CalendarOverride).where(
        CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
    )
    return list(db.session.scalars(stmt.order_by(CalendarOverride.day)))


def coverage(years: list[int]) -> list[Coverage]:
    """For each year: whether the library covers it and how many overrides it has."""
    library_years = library_schedule()[2]
    year_of = extract("year", CalendarOverride.day)
    rows = db.session.execute(select(year_of, func.count()).group_by(year_of))
    counts = {int(year): count for year, count in rows}
    return [Coverage(y, y in library_years, counts.get(y, 0)) for y in years]


def add_override(data: dict, now: datetime) -> CalendarOverride:
    """Make one date a workday or a holiday; raises ValidationFailed (a duplicate too)."""
    errors = FieldErrors()
    day = _day(data.get("date"), errors, "date")
    is_workday = _type(data.get("type"), errors, "type")
    note = text(data, "note", errors, max_length=NOTE_MAX)
    if day is not None and _find(day) is not None:
        errors.add("date", N_("already has an override; remove it first"))
    errors.raise_if_any()
    override = CalendarOverride(day=day, is_workday=is_workday, note=note, updated_at=now)
    db.session.add(override)
    reference.bump(reference.CALENDAR, now)
    db.session.flush()
    return override


def remove_override(day_text: str, now: datetime) -> None:
    """Remove the override of a date; raises NotFound."""
    day = _day(day_text, FieldErrors(), "date")
    override = _find(day) if day is not None else None
    if override is None:
        raise NotFound("no override for this date")
    db.session.delete(override)  # through the session: the audit log records it
    reference.bump(reference.CALENDAR, now)


def import_csv(content: bytes, now: datetime) -> Imported:
    """Add or update the dates of a CSV file; raises ValidationFailed naming the bad line."""
    rows = parse_csv(content)
    existing = {
        o.day: o
        for o in db.session.scalars(
            select(CalendarOverride).where(CalendarOverride.day.in_([r[0] for r in rows]))
        )
    }
    for day, is_workday, note in rows:
        override = existing.get(day) or CalendarOverride(day=day)
        override.is_workday, override.note, override.updated_at = is_workday, note, now
        db.session.add(override)
    reference.bump(reference.CALENDAR, now)
    db.session.flush()
    years = sorted({day.year for day, _, _ in rows})
    return Imported(len(rows) - len(existing), len(existing), years)


def parse_csv(content: bytes) -> list[tuple[date, bool, str]]:
    """The rows of a calendar CSV file; raises ValidationFailed({"file": "line N: ..."})."""
    try:
        lines = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": N_("must be UTF-8 text")}) from None
    reader = csv.reader(io.StringIO(lines, newline=""))  # "\r" alone ends a line too
    try:
        rows = _rows(reader)
    except csv.Error:  # a field over the csv module's limit (131,072 characters)
        _fail(reader.line_num, Message("must be at most %(n)d characters", n=NOTE_MAX))
    if not rows:
        raise ValidationFailed({"file": N_("has no dates (header: date,type,note)")})
    return rows


def _rows(reader) -> list[tuple[date, bool, str]]:
    rows: list[tuple[date, bool, str]] = []
    seen: set[date] = set()
    header = False
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if not header:
            _check_header(cells, reader.line_num)
            header = True
            continue
        row = _row(cells, reader.line_num)
        if row[0] in seen:
            _fail(reader.line_num, Message("%(day)s appears twice", day=row[0].isoformat()))
        seen.add(row[0])
        rows.append(row)
        if len(rows) > MAX_ROWS:
            _fail(reader.line_num, Message("more than %(n)d dates", n=MAX_ROWS))
    return rows


def _check_header(cells: list[str], line: int) -> None:
    names = [cell.strip().lower() for cell in cells]
    if names not in (["date", "type", "note"], ["date", "type"]):
        _fail(line, N_("the first line must be the header date,type,note"))


def _row(cells: list[str], line: int) -> tuple[date, bool, str]:
    if len(cells) not in (2, 3):
        _fail(line, N_("expected date,type,note"))
    errors = FieldErrors()
    day = _day(cells[0].strip(), errors, "date")
    is_workday = _type(cells[1].strip(), errors, "type")
    note = clean_text(cells[2].strip() if len(cells) == 3 else "")
    if note is None or len(note) > NOTE_MAX:
        errors.add("note", Message("must be text of at most %(n)d characters", n=NOTE_MAX))
    if errors.errors:
        name, message = next(iter(errors.errors.items()))
        _fail(
            line,
            Message(
                "%(field)s %(problem)s",
                field=name,
                problem=message if isinstance(message, Message) else Message(message),
            ),
        )
    return day, is_workday, note


def _fail(line: int, message: str) -> NoReturn:
    problem = message if isinstance(message, Message) else Message(message)
    raise ValidationFailed(
        {"file": Message("line %(line)d: %(problem)s", line=line, problem=problem)}
    )


def _day(raw: object, errors: FieldErrors, name: str) -> date | None:
    if not isinstance(raw, str) or not ISO_DAY.fullmatch(raw.strip()):
        errors.add(name, N_("must be a date like 2027-01-01"))
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        errors.add(name, N_("is not a real date"))
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors.add(
            name,
            Message("must be in the years %(first)d to %(last)d", first=FIRST_YEAR, last=LAST_YEAR),
        )
        return None
    return day


def _type(raw: object, errors: FieldErrors, name: str) -> bool | None:
    if not isinstance(raw, str) or raw.strip() not in TYPES:
        errors.add(name, N_("must be holiday or workday"))
        return None
    return TYPES[raw.strip()]


def _find(day: date) -> CalendarOverride | None:
    return db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
