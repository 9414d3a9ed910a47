"""The statistics service: every figure on a fixture worked out by hand, on both engines."""

from __future__ import annotations

from datetime import date, timedelta

from app.extensions import db as _db
from app.sqlite import writing
from dispatch import rollup_sql, stats

DAY = date(2026, 11, 23)


def test_a_first_report_by_district(db, make_case, now):
    make_case("closed")
    make_case("replied")
    make_case("dispatched", district="西城区")
    later = now + timedelta(days=10)  # the dispatched case is overdue by then
    report = stats.report(DAY, DAY, now=later, by="district")
    assert (report.totals.received, report.totals.closed, report.totals.replied) == (3, 1, 2)
    assert report.totals.overdue_open == 1
    assert report.totals.closure_rate == 0.3333
    assert [(r.key, r.figures.received) for r in report.rows] == [("东城区", 2), ("西城区", 1)]
    with writing():
        rollup_sql.fold()
        _db.session.commit()
    assert stats.report(DAY, DAY, now=later, by="district") == report
    with writing():
        rollup_sql.rebuild()
        _db.session.commit()
    assert stats.report(DAY, DAY, now=later, by="district") == report
