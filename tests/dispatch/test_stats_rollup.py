"""The rollup stays exact: after any mix of intake, dispatch, reply, return, transfer,
extension, callback, close, reopen, archive, duplicates and answers on the call, the
rollup (with its unfolded deltas), the rollup folded, and the rollup rebuilt all equal a
plain GROUP BY over the cases."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db as _db
from app.models import Action, Case, RollupState
from app.sqlite import writing
from dispatch import intake, jobs, lifecycle, rollup_rebuild, rollup_sql, stats, stats_live
from dispatch.errors import InvalidTransition, NotAllowed, ValidationFailed

ROUNDS = itertools.count()
CATEGORIES = ["water.outage", "gas.outage", "roads.pothole", "consult"]
DISTRICTS = ["东城区", "西城区", ""]
CHANNELS = ["phone", "web", "letter", "visit"]
DEPARTMENTS = ["water", "gas", "roads"]


def _intake(draw) -> tuple:
    return (
        "intake",
        draw(st.sampled_from(CATEGORIES)),
        draw(st.sampled_from(CHANNELS)),
        draw(st.sampled_from(DISTRICTS)),
    )


@st.composite
def steps(draw) -> list[tuple]:
    plan = [_intake(draw) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(5, 30))):
        if draw(st.integers(0, 5)) == 0:
            plan.append(_intake(draw))
            continue
        action = draw(
            st.sampled_from(
                [
                    "dispatch",
                    "accept",
                    "reply",
                    "approve_reply",
                    "rework",
                    "return",
                    "transfer",
                    "extend",
                    "callback",
                    "close",
                    "reopen",
                    "archive",
                    "mark_duplicate",
                    "answer_on_call",
                    "transfer_out",
                ]
            )
        )
        plan.append(
            (
                action,
                draw(st.integers(0, 20)),
                draw(st.sampled_from(DEPARTMENTS)),
                draw(st.booleans()),
            )
        )
    return plan


def _params(action: str, case: Case, dept: str, flag: bool, cases: list[Case], at: datetime):
    """The actor and parameters of an action (any may still be refused: then skipped)."""
    lead = f"{case.department.code}1" if case.department else "water1"
    return {
        "dispatch": ("operator1", {"department": dept}),
        "accept": (lead, {}),
        "reply": (lead, {"text": "办好了"}),
        "approve_reply": ("operator1", {}),
        "rework": ("operator1", {"reason": "答复不完整"}),
        "return": (lead, {"reason": "不归我们"}),
        "transfer": (lead, {"department": dept, "reason": "转"}),
        "extend": (lead, {"until": (at + timedelta(days=9)).isoformat(), "reason": "等"}),
        "callback": ("operator1", {"satisfied": flag}),
        "close": ("operator1", {}),
        "reopen": ("supervisor1", {"reason": "再办"}),
        "archive": ("operator1", {}),
        "mark_duplicate": ("operator1", {"of": cases[0].number}),
        "answer_on_call": ("operator1", {"text": "答复"}),
        "transfer_out": ("operator1", {"destination": "12345热线", "reason": "非本线"}),
    }[action]


def _take(plan, base: datetime, find_user, cases: list[Case] | None = None) -> list[Case]:
    cases = [] if cases is None else cases
    for index, step in enumerate(plan):
        at = base + timedelta(hours=7 * index)  # crosses local midnights and deadlines
        _db.session.commit()
        with writing():
            try:
                if step[0] == "intake":
                    _, category, channel, district = step
                    data = {"channel": channel, "caller_phone": "13812341234", "category": category}
                    data.update(description="停水", district=district, address="幸福路1号")
                    cases.append(intake.register_case(data, find_user("operator1"), at))
                elif cases:
                    action, which, dept, flag = step
                    case = cases[which % len(cases)]
                    username, params = _params(action, case, dept, flag, cases, at)
                    lifecycle.act(case, Action(action), find_user(username), at, params)
                    if action == "reply" and flag:  # released at once (else left to review)
                        lifecycle.act(case, Action.APPROVE_REPLY, find_user("operator1"), at, {})
                    if action == "extend":  # and approve it at once
                        lifecycle.act(
                            case, Action.APPROVE_EXTENSION, find_user("supervisor1"), at, {}
                        )
                _db.session.commit()
            except (InvalidTransition, NotAllowed, ValidationFailed):
                _db.session.rollback()
    return cases


GROUPS = (None, "department", "category", "channel", "district", "day")


def _served(start: date, end: date) -> dict:
    return {by: stats._tallies(start, end, by, None) for by in GROUPS}


def _plain(start: date, end: date) -> dict:
    return {
        by: {k: t for k, t in stats_live.tallies(start, end, by).items() if any(t.counters)}
        for by in GROUPS
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps(), fold_at_end=st.booleans())
def test_the_rollup_equals_the_group_by_after_any_mix(db, user, plan, fold_at_end):
    base = datetime(2025, 1, 1, 1, tzinfo=UTC) + timedelta(days=10 * (next(ROUNDS) % 60))
    start, end = base.date() - timedelta(days=1), base.date() + timedelta(days=12)
    cases = _take(plan[: len(plan) // 2], base, user)
    with writing():
        rollup_sql.fold()  # some deltas folded, the later ones not
        db.session.commit()
    _take(plan[len(plan) // 2 :], base + timedelta(hours=7 * (len(plan) // 2)), user, cases)
    if fold_at_end:
        with writing():
            rollup_sql.fold()
            db.session.commit()
    plain = _plain(start, end)
    assert _served(start, end) == plain
    # the department's own view (its rollup rows, and the live channel grouping)
    water = user("water1").department_id
    assert stats._tallies(start, end, "category", water) == {
        k: t
        for k, t in stats_live.tallies(start, end, "category", water).items()
        if any(t.counters)
    }


def test_the_rebuild_equals_the_rollup_kept_incrementally(db, user):
    base = datetime(2024, 6, 1, 1, tzinfo=UTC)
    plan = [("intake", c, ch, d) for c in CATEGORIES for ch in CHANNELS[:2] for d in DISTRICTS]
    paths = [
        ["accept", "reply", "callback", "archive"],
        ["accept", "transfer", "accept", "reply", "callback_not"],  # rework
        ["return", "dispatch", "accept", "reply", "close", "reopen"],
        ["accept", "extend", "reply", "callback"],
        ["transfer_out", "reopen", "accept", "reply", "callback"],  # taken back
        ["transfer_out"],
    ]
    for which in range(len(plan)):
        for action in paths[which % len(paths)]:
            flag = action != "callback_not"
            plan.append((action.removesuffix("_not"), which, DEPARTMENTS[which % 3], flag))
    _take(plan, base, user)
    with writing():
        rollup_sql.fold()
        db.session.commit()
    start, end = base.date() - timedelta(days=1), base.date() + timedelta(days=30)
    kept = _served(start, end)
    total = kept[None][None]
    for name in (
        "received",
        "closed",
        "replied",
        "returns",
        "rated",
        "satisfied",
        "transferred_out",
    ):
        assert total.get(name) > 0, name  # the plan reached every kind of change
    kept_rows = db.session.execute(
        _db.text("SELECT * FROM stats_daily WHERE received <> 0 ORDER BY dim, day, dept, key")
    ).all()
    with writing():
        rollup_rebuild.rebuild()
        db.session.commit()
    assert _served(start, end) == kept == _plain(start, end)
    rebuilt_rows = db.session.execute(
        _db.text("SELECT * FROM stats_daily ORDER BY dim, day, dept, key")
    ).all()
    assert rebuilt_rows == kept_rows


def test_a_new_time_zone_has_the_scheduler_rebuild_the_rollup_in_it(app, db, user, caplog):
    """Cases registered near midnight fall on other days in another zone: after
    HOTLINE_TIMEZONE changes, the next fold rebuilds the rollup once, in the new zone."""
    base = datetime(2025, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai, 15:30 in London
    plan = [("intake", c, "phone", "") for c in CATEGORIES]
    plan += [("accept", i, "water", True) for i in range(len(CATEGORIES))]
    _take(plan, base, user)
    assert jobs.fold_statistics() > 0  # the zone of the rollup recorded: Asia/Shanghai
    assert db.session.get(RollupState, 1).time_zone == "Asia/Shanghai"
    start, end = base.date() - timedelta(days=2), base.date() + timedelta(days=4)
    zone = app.config["TIMEZONE"]
    try:
        app.config["TIMEZONE"] = "Europe/London"
        assert _served(start, end) != _plain(start, end)  # the days were cut elsewhere
        with caplog.at_level("WARNING", logger="dispatch.jobs"):
            jobs.fold_statistics()
        assert "Asia/Shanghai" in caplog.text and "Europe/London" in caplog.text
        assert _served(start, end) == _plain(start, end)
        state = db.session.get(RollupState, 1)
        assert state.time_zone == "Europe/London" and state.rebuilt_at is not None
        caplog.clear()
        with caplog.at_level("WARNING", logger="dispatch.jobs"):
            jobs.fold_statistics()  # the next fold only folds
        assert "rebuilding" not in caplog.text
    finally:
        app.config["TIMEZONE"] = zone
        db.session.rollback()
