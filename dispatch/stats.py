"""统计分析: the hotline's read-only figures for a period, grouped, compared with the previous
period, and its hotspots. Served from the rollup (dispatch/rollup.py), exact at every moment;
the overdue open cases, which depend on `now`, are counted live from an index."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Category, Department
from app.models.stats import BUCKETS
from dispatch import phones, rollup_sql, stats_live
from dispatch.errors import ValidationFailed
from dispatch.rollup import BUCKET_EDGES
from dispatch.rollup_sql import Tally
from dispatch.stats_definitions import DEFINITIONS  # noqa: F401  (part of the interface)

GROUPINGS = ("department", "category", "channel", "district", "day", "month")
MAX_DAYS = 3660  # about ten years


@dataclass(frozen=True)
class Figures:
    received: int
    closed: int
    closure_rate: float | None
    replied: int
    replied_on_time: int
    on_time_rate: float | None
    overdue_open: int
    avg_reply_hours: float | None
    p90_reply_hours: float | None
    returns: int
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    transferred_out: int


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    by: str | None
    totals: Figures
    rows: list[Row]


@dataclass(frozen=True)
class Hotspot:
    key: str  # category code, district, masked phone
    label: str
    count: int


@dataclass(frozen=True)
class RepeatAddress:
    address: str
    category: str  # code
    category_label: str
    count: int


@dataclass(frozen=True)
class Hotspots:
    start: date
    end: date
    categories: list[Hotspot]
    districts: list[Hotspot]
    callers: list[Hotspot]
    addresses: list[RepeatAddress]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(histogram: list[int], fraction: float) -> float | None:
    """The `fraction` quantile (hours) of a reply-time histogram, interpolated in its bucket."""
    total = sum(histogram)
    if not total:
        return None
    wanted, below = fraction * total, 0
    for index, count in enumerate(histogram):
        if count and below + count >= wanted:
            if index == BUCKETS - 1:
                return float(BUCKET_EDGES[-1])
            low = BUCKET_EDGES[index - 1] if index else 0
            high = BUCKET_EDGES[index]
            return round(low + (high - low) * (wanted - below) / count, 2)
        below += count
    return float(BUCKET_EDGES[-1])


def figures(tally: Tally, overdue: int) -> Figures:
    """The figures of a tally (and the overdue open count beside it)."""
    get = tally.get
    replied = get("replied")
    return Figures(
        received=get("received"),
        closed=get("closed"),
        closure_rate=_rate(get("closed"), get("received")),
        replied=replied,
        replied_on_time=get("replied_on_time"),
        on_time_rate=_rate(get("replied_on_time"), replied),
        overdue_open=overdue,
        avg_reply_hours=round(get("reply_seconds") / replied / 3600, 2) if replied else None,
        p90_reply_hours=percentile(tally.histogram, 0.9),
        returns=get("returns"),
        rated=get("rated"),
        satisfied=get("satisfied"),
        satisfaction_rate=_rate(get("satisfied"), get("rated")),
        transferred_out=get("transferred_out"),
    )


def check_period(start: date, end: date, by: str | None = None) -> None:
    """Raises ValidationFailed naming the field: `from` after `to`, longer than ten years,
    or an unknown grouping."""
    errors = {}
    if by is not None and by not in GROUPINGS:
        errors["by"] = "must be one of " + ", ".join(GROUPINGS)
    if start > end:
        errors["from"] = "must not be after to"
    elif (end - start).days + 1 > MAX_DAYS:
        errors["to"] = f"the period may be at most {MAX_DAYS} days"
    if errors:
        raise ValidationFailed(errors)


def report(
    start: date,
    end: date,
    *,
    now: datetime,
    by: str | None = None,
    department_id: int | None = None,
) -> Report:
    """The figures of the cases registered from `start` to `end` (local dates, inclusive),
    grouped `by` one of GROUPINGS, of one department when given. Raises ValidationFailed."""
    check_period(start, end, by)
    tallies = _tallies(start, end, by, department_id)
    overdue = stats_live.overdue_open(start, end, now=now, group=by, dept=department_id)
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    totals = figures(total, sum(overdue.values()))
    if by is None:
        return Report(start, end, None, totals, [])
    found = set(tallies) | set(overdue)
    codes, labels = _codes(by, found), _labels(by, found)
    rows = [
        Row(codes[k], labels.get(k, codes[k]), figures(tallies.get(k, Tally()), overdue[k]))
        for k in sorted(found, key=lambda k: codes[k])
    ]
    return Report(start, end, by, totals, rows)


def _tallies(start: date, end: date, by: str | None, dept: int | None) -> dict:
    if dept is not None and by in ("channel", "district"):  # no such rollup: the case index
        return stats_live.tallies(start, end, by, dept)
    dim, group = {
        None: ("department", None),
        "department": ("department", "dept"),
        "category": ("category", "key"),
        "channel": ("channel", "key"),
        "district": ("district", "key"),
        "day": ("department", "day"),
        "month": ("department", "day"),
    }[by]
    found = rollup_sql.read(dim, start, end, group, dept)
    if by == "month":
        return _by_month(found)
    if by is None:
        return found
    return {k: t for k, t in found.items() if any(t.counters)}  # moved away: all zero


def _by_month(days: dict) -> dict:
    months: dict[str, Tally] = {}
    for day, tally in days.items():
        months.setdefault(day[:7], Tally()).add(tally)
    return months


def _codes(by: str, keys: set) -> dict:
    """Each group's key as the answer shows it: department and category codes ('' for no
    department), channel, district, ISO day or month."""
    if by == "department":
        codes = _department_codes()
        return {k: codes.get(k, "") if k else "" for k in keys}
    if by == "category":
        codes = _category_codes()
        return {k: codes.get(int(k), str(k)) for k in keys}
    return {k: str(k) for k in keys}


def _labels(by: str, keys: set) -> dict:
    if by == "department":
        names = dict(db.session.execute(select(Department.id, Department.name)).all())
        return {k: names.get(k, "") if k else "" for k in keys}
    if by == "category":
        names = dict(db.session.execute(select(Category.id, Category.name)).all())
        return {k: names.get(int(k), str(k)) for k in keys}
    if by == "district":
        return {k: k for k in keys}
    return {}


def _department_codes() -> dict[int, str]:
    return dict(db.session.execute(select(Department.id, Department.code)).all())


def _category_codes() -> dict[int, str]:
    return dict(db.session.execute(select(Category.id, Category.code)).all())


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `start`."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def hotspots(start: date, end: date, *, now: datetime, limit: int = 10) -> Hotspots:
    """Top categories and districts by cases received, repeat callers (phones masked) and
    repeat addresses (the same address and category reported more than once). Raises
    ValidationFailed."""
    check_period(start, end)
    by_category = report(start, end, now=now, by="category").rows
    by_district = report(start, end, now=now, by="district").rows
    rank = lambda rows: sorted(rows, key=lambda r: (-r.figures.received, r.key))[:limit]  # noqa: E731
    callers = stats_live.top(Case.caller_phone, start, end, limit, minimum=2)
    codes = dict(db.session.execute(select(Category.id, Category.code)).all())
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    addresses = stats_live.top(Case.address, start, end, limit, extra=[Case.category_id], minimum=2)
    return Hotspots(
        start,
        end,
        [Hotspot(r.key, r.label, r.figures.received) for r in rank(by_category)],
        [Hotspot(r.key, r.label, r.figures.received) for r in rank(by_district) if r.key],
        [Hotspot(phones.mask(p), phones.mask(p), n) for p, n in callers],
        [RepeatAddress(a, codes.get(c, ""), names.get(c, ""), n) for a, c, n in addresses],
    )


def as_dict(report: Report, previous: Report | None = None) -> dict:
    """The JSON shape of GET /api/v1/stats (with the previous period's totals when given)."""
    answer = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "by": report.by,
        "totals": asdict(report.totals),
        "rows": [
            {"key": row.key, "label": row.label, **asdict(row.figures)} for row in report.rows
        ],
    }
    if previous is not None:
        answer["previous"] = {
            "from": previous.start.isoformat(),
            "to": previous.end.isoformat(),
            "totals": asdict(previous.totals),
        }
    return answer
