"""The statistics service: every figure on a fixture whose answers are worked out by hand,
on both engines; the rollup, folded or rebuilt, equals the plain GROUP BY."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db as _db
from app.models import Action
from app.sqlite import writing
from dispatch import lifecycle, rollup_rebuild, rollup_sql, stats, stats_live

FIRST, LAST = date(2026, 11, 20), date(2026, 11, 22)  # Friday to Sunday, local
LATER = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday 09:00 local: past 25 Nov deadlines


def local(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment of November 2026 in Beijing (UTC+8), as UTC."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC) - timedelta(hours=8)


END_OF_25TH = local(25, 23, 59, 59)  # 3 working days after a Fri/Sat/Sun intake


@pytest.fixture
def act(db, user):
    def run(case, action: str, username: str, at: datetime, **params):
        db.session.commit()
        with writing():
            lifecycle.act(case, Action(action), user(username), at, params)
            if action == "reply":  # 回复审核: the operator releases it at once
                lifecycle.act(case, Action.APPROVE_REPLY, user("operator1"), at, {})
            db.session.commit()
        return case

    return run


@pytest.fixture
def fixture_cases(make_case, act):
    """Nine cases in the period (B … L), two just outside it, one duplicate."""
    cases = {}
    cases["A"] = make_case("closed", at=local(19, 23, 59, 59))  # the day before: left out
    b = cases["B"] = make_case("accepted", at=local(20, 0, 0, 0))  # the first local second
    assert b.due_at == END_OF_25TH
    act(b, "reply", "water1", b.due_at, text="修好了")  # exactly at the deadline: on time
    act(b, "callback", "operator1", local(26, 9), satisfied=True)
    c = cases["C"] = make_case("accepted", at=local(20, 10))
    act(c, "reply", "water1", c.due_at + timedelta(seconds=1), text="修好了")  # 1 s late
    act(c, "callback", "operator1", local(26, 10), satisfied=True)
    d = cases["D"] = make_case("accepted", at=local(21, 9), channel="web", district="西城区")
    act(d, "reply", "water1", local(21, 10), text="修好了")
    act(d, "callback", "operator1", local(21, 11), satisfied=True)
    act(d, "reopen", "supervisor1", local(22, 10), reason="又停水了")
    act(d, "accept", "water1", local(22, 11))
    act(d, "reply", "water1", local(22, 12), text="再次修好")  # 27 hours after intake
    act(d, "close", "operator1", local(22, 13))
    e = cases["E"] = make_case("accepted", at=local(21, 12))
    act(e, "transfer", "water1", local(21, 13), department="gas", reason="燃气管道")
    k = cases["K"] = make_case("accepted", at=local(21, 14), channel="sms", district="朝阳区")
    act(k, "reply", "water1", local(21, 15), text="修好了")
    act(k, "callback", "operator1", local(21, 16), satisfied=False)  # rework: back to water
    f = cases["F"] = make_case("accepted", at=local(22, 8))
    act(
        f,
        "extend",
        "water1",
        local(22, 9),
        until=local(27, 23, 59, 59).isoformat(),
        reason="等材料",
    )
    act(f, "approve_extension", "supervisor1", local(22, 10))
    act(f, "reply", "water1", local(26, 12), text="修好了")  # after the first deadline
    g = cases["G"] = make_case("dispatched", at=local(22, 9))
    act(g, "return", "water1", local(22, 10), reason="不归我们")
    act(g, "dispatch", "operator1", local(22, 11), department="water")
    act(g, "return", "water1", local(22, 12), reason="还是不归我们")
    h = cases["H"] = make_case("registered", at=local(22, 23, 59, 59))  # consult, no department
    act(h, "answer_on_call", "operator1", local(22, 23, 59, 59), text="已当场答复")
    j = cases["J"] = make_case("dispatched", at=local(21, 10))
    act(j, "mark_duplicate", "operator1", local(21, 11), of=b.number)  # counted through B
    n = cases["L"] = make_case("dispatched", at=local(22, 10))
    act(n, "transfer_out", "operator1", local(22, 11), destination="12345热线", reason="非本线")
    cases["I"] = make_case("dispatched", at=local(23, 0, 0, 0))  # the day after: left out
    return cases


def test_every_figure_of_the_period(fixture_cases):
    totals = stats.report(FIRST, LAST, now=LATER).totals
    assert totals == stats.Figures(
        received=9,  # B C D E F G H K L
        closed=5,  # B C D H, and L transferred out
        closure_rate=0.5556,
        replied=4,  # B C D F (K's reply went back for rework; H was answered on the call)
        replied_on_time=3,  # B at the deadline, D, F within its extension; C 1 s late
        on_time_rate=0.75,
        overdue_open=3,  # E at gas, G undispatched, K reworked: all due 25 Nov 23:59:59
        # B 143h59m59s, C 134 h, D 27 h, F 100 h
        avg_reply_hours=round((518399 + 482400 + 97200 + 360000) / 4 / 3600, 2),
        # buckets [24,36): D; [96,120): F; [120,144): B, C. 90% of 4 = 3.6, in [120,144) at
        # 1.6 of its 2: 120 + 24 * 0.8
        p90_reply_hours=139.2,
        returns=2,  # G twice
        rated=4,  # B C D satisfied, K not
        satisfied=3,
        satisfaction_rate=0.75,
        transferred_out=1,  # L
    )


def _rows(by: str) -> dict:
    report = stats.report(FIRST, LAST, now=LATER, by=by)
    return {row.key: row.figures for row in report.rows}


def test_grouped_by_department(fixture_cases):
    rows = _rows("department")
    assert set(rows) == {"water", "gas", ""}
    water, gas, none = rows["water"], rows["gas"], rows[""]
    assert (water.received, water.closed, water.replied, water.replied_on_time) == (6, 4, 4, 3)
    assert water.transferred_out == 1
    assert (water.overdue_open, water.rated, water.satisfied, water.returns) == (1, 4, 3, 0)
    assert (gas.received, gas.closed, gas.overdue_open) == (1, 0, 1)  # E, transferred there
    assert (none.received, none.closed, none.returns, none.overdue_open) == (2, 1, 2, 1)
    labels = {r.key: r.label for r in stats.report(FIRST, LAST, now=LATER, by="department").rows}
    assert (labels["water"], labels["gas"], labels[""]) == ("市供水集团", labels["gas"], "")
    assert labels["gas"] and labels["gas"] != "gas"  # the department's name


def test_grouped_by_category_channel_district_day_and_month(fixture_cases):
    received = lambda by: {k: f.received for k, f in _rows(by).items()}  # noqa: E731
    assert received("category") == {"water.outage": 8, "consult": 1}
    assert received("channel") == {"phone": 7, "web": 1, "sms": 1}
    assert received("district") == {"东城区": 7, "西城区": 1, "朝阳区": 1}
    assert received("day") == {"2026-11-20": 2, "2026-11-21": 3, "2026-11-22": 4}
    assert received("month") == {"2026-11": 9}
    days = _rows("day")
    assert days["2026-11-21"].overdue_open == 2 and days["2026-11-22"].overdue_open == 1


def test_the_previous_period(fixture_cases):
    assert stats.previous_period(FIRST, LAST) == (date(2026, 11, 17), date(2026, 11, 19))
    assert stats.previous_period(date(2026, 11, 1), date(2026, 11, 30)) == (
        date(2026, 10, 2),
        date(2026, 10, 31),
    )
    before = stats.report(*stats.previous_period(FIRST, LAST), now=LATER).totals
    assert (before.received, before.closed, before.satisfied) == (1, 1, 1)  # A only


def test_a_department_sees_its_own_figures(fixture_cases, user):
    gas = user("gas1").department_id
    own = stats.report(FIRST, LAST, now=LATER, department_id=gas, by="district")
    assert own.totals.received == 1 and own.totals.overdue_open == 1
    assert [(r.key, r.figures.received) for r in own.rows] == [("东城区", 1)]


def test_a_reopened_case_counts_as_closed_again_only_once_closed(make_case, act):
    case = make_case("closed", at=local(21, 9))
    assert stats.report(FIRST, LAST, now=LATER).totals.closed == 1
    act(case, "reopen", "supervisor1", local(21, 12), reason="没修好")
    after = stats.report(FIRST, LAST, now=LATER).totals
    assert (after.received, after.closed, after.replied) == (1, 0, 0)
    act(case, "accept", "water1", local(21, 13))
    act(case, "reply", "water1", local(21, 14), text="修好了")
    act(case, "close", "operator1", local(21, 15))
    again = stats.report(FIRST, LAST, now=LATER).totals
    assert (again.received, again.closed, again.replied) == (1, 1, 1)


def _all_tallies() -> dict:
    found = {}
    for by in (None, "department", "category", "channel", "district", "day"):
        found[by] = stats._tallies(FIRST, LAST, by, None)
    return found


def _plain() -> dict:
    found = {}
    for by in (None, "department", "category", "channel", "district", "day"):
        found[by] = {
            k: t for k, t in stats_live.tallies(FIRST, LAST, by).items() if any(t.counters)
        }
    return found


def test_the_rollup_folded_or_rebuilt_equals_the_group_by(db, fixture_cases):
    plain = _plain()
    assert _all_tallies() == plain  # the rollup (empty) plus the deltas
    with writing():
        assert rollup_sql.fold() > 0
        db.session.commit()
    assert db.session.scalar(_db.text("SELECT count(*) FROM stats_deltas")) == 0
    assert _all_tallies() == plain
    with writing():
        rollup_rebuild.rebuild()
        db.session.commit()
    assert _all_tallies() == plain


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(LAST, FIRST, "from"), (date(2016, 1, 1), date(2026, 11, 22), "to")],
)
def test_a_bad_period_is_refused_naming_the_field(db, start, end, field):
    from dispatch.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        stats.report(start, end, now=LATER)
    assert field in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        stats.report(FIRST, LAST, now=LATER, by="week")
    assert "by" in refused.value.fields


def test_hotspots(make_case, act):
    for hour in (9, 10, 11):
        make_case("dispatched", at=local(21, hour))  # same caller, address, category
    make_case("dispatched", at=local(21, 12), caller_phone="13900001111", address="和平路1号")
    spots = stats.hotspots(FIRST, LAST, now=LATER)
    assert [(s.key, s.count) for s in spots.categories] == [("water.outage", 4)]
    assert [(s.key, s.count) for s in spots.districts] == [("东城区", 4)]
    assert [(s.key, s.count) for s in spots.callers] == [("+86 138****1234", 3)]
    assert [(a.address, a.category, a.count) for a in spots.addresses] == [
        ("幸福路18号", "water.outage", 3)
    ]
