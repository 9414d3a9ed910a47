"""Every action from every state for every role: allowed ones succeed and record one event,
forbidden ones are refused and change nothing. The expected table is written out here, apart
from the service's own table, so that a change to either is caught."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Action, CaseEvent, Status
from app.sqlite import writing
from dispatch import lifecycle, transitions
from dispatch.errors import InvalidTransition, NotAllowed

LEAD, OTHER = "water1", "gas1"
ACTORS = ["operator1", "supervisor1", "admin", LEAD, OTHER]
# "reviewing": status replied, the reply waiting for review; "replied": released.
OPEN = ["registered", "dispatched", "accepted", "reviewing", "replied"]
STATES = [*OPEN, "closed", "archived"]

ALLOWED: dict[str, dict[str, set[str]]] = {
    "dispatch": {"registered": {"operator1", "supervisor1"}},
    "accept": {"dispatched": {LEAD}},
    "reply": {"accepted": {LEAD}},
    "return": {"dispatched": {LEAD}, "accepted": {LEAD}},
    "transfer": {"accepted": {LEAD, "operator1", "supervisor1"}},
    "approve_reply": {"reviewing": {"operator1", "supervisor1"}},
    "rework": {"reviewing": {"operator1", "supervisor1"}},
    "callback": {"replied": {"operator1", "supervisor1"}},
    "close": {"replied": {"operator1", "supervisor1"}},
    "reopen": {"replied": {"supervisor1"}, "closed": {"supervisor1"}},
    "archive": {"closed": {"operator1", "supervisor1"}},
    "supervise": {state: {"supervisor1"} for state in OPEN},
    "extend": {"dispatched": {LEAD}, "accepted": {LEAD}},
    "approve_extension": {"dispatched": {"supervisor1"}, "accepted": {"supervisor1"}},
    "refuse_extension": {"dispatched": {"supervisor1"}, "accepted": {"supervisor1"}},
    "mark_duplicate": {
        "registered": {"operator1", "supervisor1"},
        "dispatched": {"operator1", "supervisor1"},
    },
    "answer_on_call": {"registered": {"operator1"}, "dispatched": {"operator1"}},
    "answer_notice": {state: {LEAD} for state in ["dispatched", "accepted", *OPEN[3:]]},
    "pause": {"accepted": {LEAD}},
    "resume": {},  # only a paused case resumes (tests/web/test_pauses.py)
    "assist_opinion": {},  # only an assisting department (tests/web/test_cohandling.py)
    "transfer_out": {
        state: {"operator1", "supervisor1"} for state in ["registered", "dispatched", "accepted"]
    },
}

TO_STATUS = {
    "dispatch": "dispatched",
    "accept": "accepted",
    "reply": "replied",
    "approve_reply": "replied",
    "rework": "accepted",
    "return": "registered",
    "transfer": "dispatched",
    "callback": "closed",
    "close": "closed",
    "reopen": "dispatched",
    "archive": "archived",
    "mark_duplicate": "closed",
    "answer_on_call": "closed",
    "transfer_out": "closed",
}


def params_for(action: str, now, original: str) -> dict:
    return {
        "dispatch": {"department": "water"},
        "reply": {"text": "已派人维修,当天恢复"},
        "return": {"reason": "不属于本单位职责"},
        "rework": {"reason": "回复未说明恢复供水时间"},
        "transfer": {"department": "gas", "reason": "燃气管线问题"},
        "callback": {"satisfied": True, "note": "市民满意"},
        "reopen": {"reason": "市民反映仍未解决"},
        "supervise": {"note": "请尽快处理"},
        "extend": {"until": (now + timedelta(days=10)).isoformat(), "reason": "需要更换主管"},
        "mark_duplicate": {"of": original},
        "answer_on_call": {"text": "已在电话中解答"},
        "answer_notice": {"text": "已加派人手,明日完成"},
        "refuse_extension": {"reason": "理由不充分"},
        "pause": {"kind": "not_reachable", "reason": "电话无人接听", "until": later(now)},
        "transfer_out": {"destination": "12345市民服务热线", "reason": "属市级统筹事项"},
    }.get(action, {})


def later(now) -> str:
    return (now + timedelta(days=2)).isoformat()


def test_the_expected_table_covers_every_action():
    assert set(ALLOWED) == {a.value for a in transitions.TRANSITIONS}
    system = {Action.REGISTER, Action.ESCALATE, Action.FOLLOW_UP, Action.ACCEPT_OVERDUE}
    assert set(ALLOWED) == {a.value for a in Action} - system


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_action_from_state_for_every_role(db, make_case, user, now, action, state):
    original = make_case("dispatched", description="原始工单").number
    for username in ACTORS:
        case = make_case(state)
        if action in ("approve_extension", "refuse_extension") and state in (
            "dispatched",
            "accepted",
        ):
            with writing():
                lifecycle.act(case, Action.EXTEND, user(LEAD), now, params_for("extend", now, ""))
                db.session.commit()
        if action == "answer_notice" and state in OPEN:
            with writing():
                note = {"note": "请说明进展"}
                lifecycle.act(case, Action.SUPERVISE, user("supervisor1"), now, note)
                db.session.commit()
        before_status = case.status
        before_events = _event_count(db, case.id)
        allowed = username in ALLOWED[action].get(state, set())
        with writing():
            try:
                lifecycle.act(
                    case, Action(action), user(username), now, params_for(action, now, original)
                )
                db.session.commit()
                outcome = "done"
            except (InvalidTransition, NotAllowed):
                db.session.rollback()
                outcome = "refused"
        assert outcome == ("done" if allowed else "refused"), (action, state, username)
        db.session.refresh(case)
        if allowed:
            assert _event_count(db, case.id) == before_events + 1
            last = db.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
            ).first()
            assert last.action == action and last.from_status == before_status
            assert last.actor.username == username
            assert case.status == TO_STATUS.get(action, before_status)
            if action == "approve_reply":  # released: the callback list and its texts
                assert case.reply_approved_at == now
            if action == "rework":  # the answer is no longer the case's, only the history's
                assert case.reply_text == "" and case.replied_at is None
            elif state == "reviewing" and action != "approve_reply":
                assert case.reply_approved_at is None
        else:
            assert _event_count(db, case.id) == before_events
            assert case.status == before_status


def _event_count(db, case_id: int) -> int:
    return db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))


def test_not_satisfied_callback_goes_back_to_the_same_department(db, make_case, user, now):
    case = make_case("replied")
    later = now + timedelta(days=2)
    with writing():
        lifecycle.act(
            case, Action.CALLBACK, user("operator1"), later, {"satisfied": False, "note": "没修好"}
        )
        db.session.commit()
    assert case.status == Status.DISPATCHED and case.department.code == "water"
    assert case.satisfied is False and case.replied_at is None
    assert case.due_at > later and case.escalation_level == 0


def test_extension_moves_the_deadline_only_on_approval(db, make_case, user, now):
    case = make_case("accepted")
    due = case.due_at
    until = due + timedelta(days=5)
    with writing():
        lifecycle.act(
            case, Action.EXTEND, user(LEAD), now, {"until": until.isoformat(), "reason": "等材料"}
        )
        db.session.commit()
    assert case.due_at == due and case.extension_until == until
    with writing():
        lifecycle.act(case, Action.APPROVE_EXTENSION, user("supervisor1"), now, {})
        db.session.commit()
    assert case.due_at == until and case.extension_until is None
    actions = [e.action for e in case.events]
    assert actions[-2:] == ["extend", "approve_extension"]


def test_return_sends_the_case_back_to_the_dispatch_queue(db, make_case, user, now):
    case = make_case("dispatched")
    with writing():
        lifecycle.act(case, Action.RETURN, user(LEAD), now, {"reason": "非本单位"})
        db.session.commit()
    assert case.status == Status.REGISTERED and case.department is None
    assert case.return_count == 1
    assert case.events[-1].data == {"reason": "非本单位", "department": "water"}


def test_a_refused_action_names_the_department_that_has_the_case(db, make_case, user, now):
    case = make_case("dispatched")
    with pytest.raises(InvalidTransition, match="water"):
        lifecycle.act(case, Action.DISPATCH, user("operator1"), now, {"department": "gas"})


def test_a_refused_extension_leaves_the_deadline(db, make_case, user, now):
    case = make_case("accepted")
    due = case.due_at
    with writing():
        lifecycle.act(case, Action.EXTEND, user(LEAD), now, params_for("extend", now, ""))
        params = {"reason": "现场已具备条件,请按期办结"}
        lifecycle.act(case, Action.REFUSE_EXTENSION, user("supervisor1"), now, params)
        db.session.commit()
    db.session.refresh(case)
    assert case.due_at == due and case.extension_until is None
    last = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert last.action == "refuse_extension" and last.data["reason"].startswith("现场")


def test_a_case_dispatched_and_accepted_in_one_transaction_is_the_departments(
    db, make_case, user, now
):
    case = make_case("registered")
    with writing(), db.session.no_autoflush:  # nothing flushed between the two actions
        lifecycle.act(case, Action.DISPATCH, user("operator1"), now, {"department": "water"})
        lifecycle.act(case, Action.ACCEPT, user("water1"), now)
        db.session.commit()
    assert case.status == Status.ACCEPTED and case.department.code == "water"
