"""What the dashboard and the monthly report show, gathered from the statistics service
(dispatch/stats.py) for one period: tables, charts, hotspots and definitions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.web import stats_charts, stats_table
from app.web.stats_period import Period, month_end, previous_month
from dispatch import stats

SERIES_BY_DAY_UP_TO = 62  # days; a longer period is drawn month by month
# Hotspots are grouped from the period's cases themselves (no rollup): a longer period
# shows those of its last 31 days, so that the page's cost stays that of a month.
HOTSPOT_DAYS = 92


def hotspots(start: date, end: date, now: datetime) -> stats.Hotspots:
    if (end - start).days >= HOTSPOT_DAYS:
        start = end - timedelta(days=30)
    return stats.hotspots(start, end, now=now)


def series_grouping(start: date, end: date) -> str:
    return "day" if (end - start).days < SERIES_BY_DAY_UP_TO else "month"


def table(period: Period, now: datetime, department_id: int | None) -> tuple:
    """The period's report, the previous period's, and the table's lines with the total."""
    options = {"now": now, "by": period.by, "department_id": department_id}
    report = stats.report(period.start, period.end, **options)
    previous = stats.report(period.previous_start, period.previous_end, **options)
    lines = stats_table.lines(report, previous) + [stats_table.total_line(report, previous)]
    return report, previous, lines


def charts(start: date, end: date, now: datetime, department_id: int | None) -> dict:
    """The charts' options: the time series, the departments' ranking (for the whole
    hotline only) and the categories."""

    def grouped(by: str) -> stats.Report:
        return stats.report(start, end, now=now, by=by, department_id=department_id)

    found = {
        "series": stats_charts.time_series(grouped(series_grouping(start, end))),
        "categories": stats_charts.category_breakdown(grouped("category")),
    }
    if department_id is None:
        found["departments"] = stats_charts.department_ranking(grouped("department"))
    return found


def dashboard(period: Period, now: datetime, department_id: int | None) -> dict:
    report, previous, lines = table(period, now, department_id)
    whole = department_id is None
    return {
        "period": period,
        "report": report,
        "previous": previous,
        "comparison": stats_table.comparison(report, previous),
        "lines": lines,
        "charts": charts(period.start, period.end, now, department_id),
        "series_by": series_grouping(period.start, period.end),
        "hotspots": hotspots(period.start, period.end, now) if whole else None,
    }


def monthly(first: date, now: datetime, department_id: int | None) -> dict:
    """The month's report: totals against the previous month, by department, by category,
    charts and hotspots."""
    before = previous_month(first)
    sections = {}
    for by in ("department", "category") if department_id is None else ("category",):
        period = Period("custom", first, month_end(first), by, before, month_end(before))
        sections[by] = table(period, now, department_id)[2]
    period = Period("custom", first, month_end(first), "", before, month_end(before))
    report = stats.report(first, month_end(first), now=now, department_id=department_id)
    previous = stats.report(before, month_end(before), now=now, department_id=department_id)
    whole = department_id is None
    return {
        "month": first,
        "period": period,
        "previous_month": before,
        "comparison": stats_table.comparison(report, previous),
        "sections": sections,
        "charts": charts(first, month_end(first), now, department_id),
        "hotspots": hotspots(first, month_end(first), now) if whole else None,
    }
