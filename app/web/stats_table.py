"""The dashboard's table: which figures it shows, how each is written, and the change from
the previous period (with the direction that is better)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from flask_babel import get_locale, gettext, lazy_gettext

from app.web.filters import CHANNEL_NAMES
from dispatch import directory, stats_definitions
from dispatch.stats import Figures, Report


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    kind: str  # count, rate or hours
    better: str | None  # "up", "down" or None (more is neither better nor worse)


COLUMNS = [
    Column("received", lazy_gettext("Cases received"), "count", None),
    Column("closed", lazy_gettext("Cases closed"), "count", "up"),
    Column("closure_rate", lazy_gettext("Closure rate"), "rate", "up"),
    Column("replied", lazy_gettext("Cases replied"), "count", "up"),
    Column("replied_on_time", lazy_gettext("Replied on time"), "count", "up"),
    Column("on_time_rate", lazy_gettext("On-time reply rate"), "rate", "up"),
    Column("overdue_open", lazy_gettext("Overdue and open"), "count", "down"),
    Column("avg_reply_hours", lazy_gettext("Average reply hours"), "hours", "down"),
    Column("p90_reply_hours", lazy_gettext("90th percentile reply hours"), "hours", "down"),
    Column("returns", lazy_gettext("Returns (actions)"), "count", "down"),
    Column("satisfaction_rate", lazy_gettext("Satisfaction rate"), "rate", "up"),
    Column("transferred_out", lazy_gettext("Transferred out"), "count", None),
]
BY_COLUMN = {column.key: column for column in COLUMNS}
GROUP_NAMES = {
    "department": lazy_gettext("Department"),
    "category": lazy_gettext("Category"),
    "channel": lazy_gettext("Channel"),
    "district": lazy_gettext("District"),
    "day": lazy_gettext("Day"),
    "month": lazy_gettext("Month"),
}
COMPARABLE = ("department", "category", "channel", "district")  # same keys in both periods


# The figures of a group that had no case in the previous period.
NONE = Figures(**{f.name: None if "None" in str(f.type) else 0 for f in fields(Figures)})


@dataclass(frozen=True)
class Cell:
    text: str
    change: str  # "▲ 3", "▼ 1.5", "" when unchanged or nothing to compare
    tone: str  # "better", "worse" or ""


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    cells: list[Cell]
    figures: Figures
    total: bool = False


def value_text(kind: str, value) -> str:
    """A figure as the table writes it: 12, 33.3%, 4.5 (hours); — when there is none."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    return str(value)


def _difference(kind: str, now, before) -> float | None:
    if now is None or before is None:
        return None
    if kind == "rate":
        return round((now - before) * 100, 1)  # percentage points
    return round(now - before, 1)


def cell(column: Column, figures: Figures, previous: Figures | None) -> Cell:
    value = getattr(figures, column.key)
    before = getattr(previous, column.key) if previous is not None else None
    change = _difference(column.kind, value, before)
    if not change:
        return Cell(value_text(column.kind, value), "", "")
    amount = f"{abs(change):g}" + (" pp" if column.kind == "rate" else "")
    arrow = "▲" if change > 0 else "▼"
    tone = ""
    if column.better:
        tone = "better" if (change > 0) == (column.better == "up") else "worse"
    return Cell(value_text(column.kind, value), f"{arrow} {amount}", tone)


def lines(report: Report, previous: Report | None) -> list[Line]:
    """The table's rows, each beside the same group of the previous period when the
    grouping has the same keys in both (departments, categories, channels, districts)."""
    comparable = previous is not None and report.by in COMPARABLE
    before = {row.key: row.figures for row in previous.rows} if comparable else {}
    names = display_names(report.by)
    found = []
    for row in report.rows:
        earlier = before.get(row.key, NONE) if comparable else None
        cells = [cell(c, row.figures, earlier) for c in COLUMNS]
        label = names.get(row.key) or row.label or row.key or "—"
        found.append(Line(row.key, label, cells, row.figures))
    return found


def total_line(report: Report, previous: Report | None) -> Line:
    figures = previous.totals if previous is not None else None
    cells = [cell(c, report.totals, figures) for c in COLUMNS]
    return Line("", str(lazy_gettext("Total")), cells, report.totals, total=True)


def display_names(by: str | None) -> dict[str, str]:
    """Group names in the page's language where the service's label is the Chinese one."""
    english = str(get_locale()) == "en"
    if by == "department":
        names = {"": str(lazy_gettext("No department yet"))}
        if english:
            names.update({d.code: d.name_en or d.name for d in directory.list_departments()})
        return names
    if by == "category" and english:
        return {c.code: c.name_en or c.name for c in directory.list_categories()}
    if by == "channel":
        return {key: str(name) for key, name in CHANNEL_NAMES.items()}
    return {}


def definitions() -> list[tuple[str, str, str]]:
    """The service's written definitions (key, Chinese name, text) of every figure shown,
    the text in the page's language where a translation of it exists."""
    return stats_definitions.shown(gettext)


@dataclass(frozen=True)
class Comparison:
    column: Column
    now: Cell  # with the change from the previous period
    before: str


def comparison(report: Report, previous: Report) -> list[Comparison]:
    """Each figure of the period's totals beside the previous period's."""
    return [
        Comparison(
            c,
            cell(c, report.totals, previous.totals),
            value_text(c.kind, getattr(previous.totals, c.key)),
        )
        for c in COLUMNS
    ]
