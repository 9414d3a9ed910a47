"""Supervision (督办): notices by hand and by escalation, answered by the department; the
supervisor's desk lists what needs pushing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Action, SupervisionNotice
from app.sqlite import writing
from dispatch import jobs, lifecycle, supervision
from dispatch.errors import InvalidTransition, ValidationFailed


def act(db, case, action, actor, at, **params):
    with writing():
        lifecycle.act(case, Action(action), actor, at, params)
        db.session.commit()


def test_a_notice_by_hand_is_answered_by_the_department(db, make_case, user, now):
    case = make_case("accepted")
    answer_by = now + timedelta(days=1)
    act(
        db,
        case,
        "supervise",
        user("supervisor1"),
        now,
        note="请今天内回复进展",
        answer_by=answer_by.isoformat(),
    )
    notice = db.session.scalars(select(SupervisionNotice)).one()
    assert (notice.reason, notice.status, notice.answer_by) == ("manual", "open", answer_by)
    assert supervision.open_notices() == [notice]
    act(
        db, case, "answer_notice", user("water1"), now + timedelta(hours=3), text="已派两组人员抢修"
    )
    db.session.refresh(notice)
    assert notice.status == "answered" and notice.answered_by.username == "water1"
    assert supervision.open_notices() == []
    assert [e.action for e in case.events][-2:] == ["supervise", "answer_notice"]
    with pytest.raises(InvalidTransition):
        lifecycle.act(case, Action.ANSWER_NOTICE, user("water1"), now, {"text": "again"})


def test_a_notice_needs_a_comment_and_a_future_answer_date(db, make_case, user, now):
    case = make_case("dispatched")
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.act(
            case,
            Action.SUPERVISE,
            user("supervisor1"),
            now,
            {"answer_by": "2020-01-01T00:00:00+08:00"},
        )
    assert set(caught.value.fields) == {"note", "answer_by"}
    db.session.rollback()
    assert db.session.scalars(select(SupervisionNotice)).all() == []


def test_the_desk_lists_overdue_by_department_and_level_returns_and_extensions(
    db, make_case, user, now
):
    late = [
        make_case("dispatched"),
        make_case("accepted"),
        make_case("dispatched", category="gas.outage"),
    ]
    jobs.escalate_due_cases(now + timedelta(days=4))
    rows = supervision.overdue_by_department(now + timedelta(days=4))
    assert {(r.department, r.level, r.count) for r in rows} == {
        ("市供水集团", 2, 2),
        ("市燃气集团", 2, 1),
    }
    returned = make_case("dispatched")
    for _ in range(2):
        act(db, returned, "return", user("water1"), now, reason="不归我们管")
        act(db, returned, "dispatch", user("operator1"), now, department="water")
    assert supervision.repeatedly_returned() == [returned]
    act(
        db,
        late[1],
        "extend",
        user("water1"),
        now,
        until=(now + timedelta(days=9)).isoformat(),
        reason="等材料",
    )
    assert supervision.pending_extensions() == [late[1]]
