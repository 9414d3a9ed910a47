"""Working-day arithmetic over holiday data (法定节假日 and 调休); pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta


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


def chinese_calendar(overrides: Mapping[date, bool] | None = None) -> WorkCalendar:
    """The calendar of the State Council's schedule, from the chinesecalendar package."""
    from chinese_calendar import constants

    years = {day.year for day in constants.holidays} | {d.year for d in constants.workdays}
    return WorkCalendar(
        holidays=frozenset(constants.holidays),
        makeup_workdays=frozenset(constants.workdays),
        covered_years=frozenset(years),
        overrides=dict(overrides or {}),
    )
