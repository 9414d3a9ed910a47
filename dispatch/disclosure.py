"""公开数据: the figures the hotline publishes, per department and month over the last twelve
whole months (the month in progress is published once it ends), taken from the statistics
service. Only counts and rates: nothing about a person
(no name, number, address or description) and nothing about a single case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import directory, settings, stats
from dispatch.stats import Figures

MONTHS = 12


@dataclass(frozen=True)
class PublicFigures:
    received: int
    closed: int
    closure_rate: float | None
    replied: int
    on_time_rate: float | None
    satisfaction_rate: float | None


NOTHING = PublicFigures(0, 0, None, 0, None, None)


@dataclass(frozen=True)
class PublicMonth:
    month: str  # 2026-11
    figures: PublicFigures


@dataclass(frozen=True)
class PublicDepartment:
    code: str
    name: str
    name_en: str
    figures: PublicFigures
    months: list[PublicMonth]


@dataclass(frozen=True)
class Disclosure:
    start: date
    end: date
    computed_at: datetime
    totals: PublicFigures
    months: list[PublicMonth]
    departments: list[PublicDepartment]


def public(figures: Figures) -> PublicFigures:
    """The published part of a group's figures."""
    return PublicFigures(
        received=figures.received,
        closed=figures.closed,
        closure_rate=figures.closure_rate,
        replied=figures.replied,
        on_time_rate=figures.on_time_rate,
        satisfaction_rate=figures.satisfaction_rate,
    )


def whole_months(today: date, months: int = MONTHS) -> tuple[date, date]:
    """The first and the last day of the `months` whole months before today's month."""
    end = today.replace(day=1) - timedelta(days=1)
    first = end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, end


def month_keys(start: date, end: date) -> list[str]:
    keys, day = [], start
    while day <= end:
        keys.append(day.isoformat()[:7])
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return keys


def _months(report: stats.Report, keys: list[str]) -> list[PublicMonth]:
    found = {row.key: public(row.figures) for row in report.rows}
    return [PublicMonth(key, found.get(key, NOTHING)) for key in keys]


def disclosure(now: datetime) -> Disclosure:
    """The last twelve whole months for the whole hotline and per department that received
    cases in them, the busiest department first."""
    start, end = whole_months(now.astimezone(settings.timezone()).date())
    keys = month_keys(start, end)
    by_department = stats.report(start, end, now=now, by="department")
    by_month = stats.report(start, end, now=now, by="month")
    known = {d.code: d for d in directory.list_departments()}
    departments = []
    for row in by_department.rows:
        department = known.get(row.key)
        if department is None or not row.figures.received:
            continue  # not yet dispatched, or moved away
        months = stats.report(start, end, now=now, by="month", department_id=department.id)
        departments.append(
            PublicDepartment(
                department.code,
                department.name,
                department.name_en or department.name,
                public(row.figures),
                _months(months, keys),
            )
        )
    departments.sort(key=lambda d: (-d.figures.received, d.code))
    totals = public(by_month.totals)
    return Disclosure(start, end, now, totals, _months(by_month, keys), departments)
