"""The working-day calendar: pure arithmetic, tested without an app."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dispatch.workcalendar import WorkCalendar, chinese_calendar

CAL = chinese_calendar()


def test_friday_plus_three_working_days_is_wednesday():
    assert CAL.add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 25)


def test_national_day_2026_with_its_make_up_saturday():
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 7))
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday, make-up workday (调休)
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, make-up workday
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_an_override_wins_over_the_library():
    cal = WorkCalendar(
        holidays=CAL.holidays,
        makeup_workdays=CAL.makeup_workdays,
        covered_years=CAL.covered_years,
        overrides={date(2026, 11, 23): False},
    )
    assert cal.add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 26)


def test_a_year_without_data_falls_back_to_monday_to_friday():
    assert not CAL.covers(2031)
    assert CAL.add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Friday -> Monday
    assert CAL.uncovered_years([date(2031, 1, 1), date(2026, 1, 1)]) == {2031}


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 30))
def test_n_working_days_later_is_a_working_day_with_n_working_days_between(start, days):
    end = CAL.add_working_days(start, days)
    between = [start + timedelta(d) for d in range(1, (end - start).days + 1)]
    assert sum(CAL.is_workday(d) for d in between) == days
    if days:
        assert CAL.is_workday(end)


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 20))
def test_more_working_days_never_end_earlier(start, days):
    assert CAL.add_working_days(start, days + 1) > CAL.add_working_days(start, days)


def test_a_year_with_overrides_counts_as_covered():
    cal = chinese_calendar({date(2031, 1, 1): False})
    assert cal.covers(2031) and cal.covers(2026) and not cal.covers(2032)
    assert not cal.is_workday(date(2031, 1, 1))  # a Wednesday made a holiday
