"""The figures shaped as ECharts options (plain JSON, embedded in the page; app/static/charts.js
draws them with the SVG renderer): a time series, a ranking of departments, a breakdown of
categories, a trend of rates."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext

from app.web.stats_table import display_names
from dispatch.stats import Report

BLUE, GREEN, AMBER, GREY = "#1f5fa8", "#2e7d32", "#b26a00", "#8a97a5"
TEXT = {"fontFamily": "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def time_keys(start: date, end: date, by: str) -> list[str]:
    """Every day (or month) of the period, so that quiet days show as zero."""
    keys, day = [], start
    while day <= end:
        keys.append(day.isoformat() if by == "day" else day.isoformat()[:7])
        day += timedelta(days=1)
    return list(dict.fromkeys(keys))


def time_series(report: Report) -> dict:
    """Cases received (bars) and closed (line) per day or month of the report's period."""
    keys = time_keys(report.start, report.end, report.by)
    found = {row.key: row.figures for row in report.rows}
    received = [found[k].received if k in found else 0 for k in keys]
    closed = [found[k].closed if k in found else 0 for k in keys]
    labels = [k[5:] if report.by == "day" else k for k in keys]  # 11-23, or 2026-11
    return {
        "textStyle": TEXT,
        "color": [BLUE, GREEN],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 30, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": str(lazy_gettext("Cases received")), "type": "bar", "data": received},
            {"name": str(lazy_gettext("Cases closed")), "type": "line", "data": closed},
        ],
    }


def department_ranking(report: Report) -> dict:
    """Closure and on-time rates of each department (bars, the best at the top)."""
    names = display_names("department")
    rows = [r for r in report.rows if r.key and r.figures.received]
    rows.sort(key=lambda r: (r.figures.closure_rate or 0, r.figures.on_time_rate or 0, r.key))
    return {
        "textStyle": TEXT,
        "color": [BLUE, GREEN],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 48, "top": 30, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [names.get(r.key, r.label) for r in rows]},
        "series": [
            _rate_bars(lazy_gettext("Closure rate"), [r.figures.closure_rate for r in rows]),
            _rate_bars(lazy_gettext("On-time reply rate"), [r.figures.on_time_rate for r in rows]),
        ],
        "height_px": 60 + 36 * max(len(rows), 1),
    }


def _rate_bars(name, values: list) -> dict:
    return {
        "name": str(name),
        "type": "bar",
        "data": [_percent(v) for v in values],
        "label": {"show": True, "position": "right", "formatter": "{c}%", "fontSize": 11},
    }


def category_breakdown(report: Report, limit: int = 12) -> dict:
    """Cases received by category, the largest first; the rest summed as 'Other'."""
    names = display_names("category")
    rows = sorted(report.rows, key=lambda r: (-r.figures.received, r.key))
    rows = [r for r in rows if r.figures.received]
    shown = [(names.get(r.key, r.label), r.figures.received) for r in rows[:limit]]
    rest = sum(r.figures.received for r in rows[limit:])
    if rest:
        shown.append((str(lazy_gettext("Other categories")), rest))
    shown.reverse()  # ECharts draws a category axis from the bottom up
    return {
        "textStyle": TEXT,
        "color": [AMBER],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 32, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [name for name, _ in shown]},
        "series": [
            {
                "name": str(lazy_gettext("Cases received")),
                "type": "bar",
                "data": [count for _, count in shown],
                "label": {"show": True, "position": "right", "fontSize": 11},
            }
        ],
        "height_px": 40 + 28 * max(len(shown), 1),
    }


def rate_trend(months: list[str], closure: list, on_time: list) -> dict:
    """Closure and on-time rates month by month (lines, in percent)."""
    return {
        "textStyle": TEXT,
        "color": [BLUE, GREEN],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 30, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [m[2:] for m in months]},  # 26-11
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            _rate_line(lazy_gettext("Closure rate"), closure),
            _rate_line(lazy_gettext("On-time reply rate"), on_time),
        ],
    }


def _rate_line(name, values: list) -> dict:
    data = [_percent(v) for v in values]
    return {"name": str(name), "type": "line", "data": data, "connectNulls": True}
