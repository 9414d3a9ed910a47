"""Working-day arithmetic over holiday data (法定节假日 and 调休); pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and make-up workdays as data; `overrides` (date -> is workday) win over both."""

    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    covered_years: frozenset[int] = frozenset()
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def covers(self, year: int) -> bool:
        """False when no source knows this year's holidays (Monday–Friday is assumed)."""
        return year in self.covered_years

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself never counts)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day, left = start, days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def uncovered_years(self, days: Iterable[date]) -> set[int]:
        return {day.year for day in days if not self.covers(day.year)}


@cache
def library_schedule() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    """Holidays, make-up workdays and covered years of the chinesecalendar package."""
    from chinese_calendar import constants

    holidays, workdays = frozenset(constants.holidays), frozenset(constants.workdays)
    return holidays, workdays, frozenset(d.year for d in holidays | workdays)


def chinese_calendar(overrides: Mapping[date, bool] | None = None) -> WorkCalendar:
    """The State Council's schedule from the chinesecalendar package, with `overrides`
    (the administrator's dates) over it; a year with any override counts as covered."""
    holidays, workdays, years = library_schedule()
    overrides = dict(overrides or {})
    return WorkCalendar(
        holidays=holidays,
        makeup_workdays=workdays,
        covered_years=years | {day.year for day in overrides},
        overrides=overrides,
    )
