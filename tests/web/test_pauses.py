"""暂停计时: the paused time is left out of the deadline exactly (in working time for a
working-day deadline, across the National Day holiday), nothing escalates while paused,
pauses are limited, and the pause ends by the department, the caller's SMS or its date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import Action, CaseEvent, CasePause
from app.sqlite import writing
from dispatch import jobs, lifecycle, pauses
from dispatch.errors import InvalidTransition, ValidationFailed
from notifications import inbound

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def act(db, user, case, action, at, **params):
    with writing():
        lifecycle.act(case, action, user("water1"), at, params)
        db.session.commit()
    db.session.refresh(case)
    return case


def pause(db, user, case, at, until, kind="not_reachable"):
    return act(
        db, user, case, Action.PAUSE, at, kind=kind, reason="电话无人接听", until=until.isoformat()
    )


def history(db, case, action) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == action)
    return db.session.scalars(query.order_by(CaseEvent.id)).all()


@pytest.fixture
def accepted(make_case):
    # Monday 28 September: 3 working days are 29, 30 September and 8 October (1–7 off).
    case = make_case("accepted", at=local(2026, 9, 28, 9, 0))
    assert case.due_at == local(2026, 10, 8, 23, 59, 59)
    return case


def test_paused_working_time_is_left_out_exactly_across_the_holiday(db, user, accepted):
    pause(db, user, accepted, local(2026, 9, 30, 12, 0), local(2026, 10, 9, 12, 0))
    assert accepted.paused_at is not None and accepted.next_escalation_at is None
    act(db, user, accepted, Action.RESUME, local(2026, 10, 8, 12, 0))
    # Paused: 12 h of 30 September and 12 h of 8 October; the holiday does not count.
    assert accepted.due_at == local(2026, 10, 9, 23, 59, 59)
    assert accepted.paused_at is None and accepted.next_escalation_at is not None
    [stop], [start] = history(db, accepted, "pause"), history(db, accepted, "resume")
    assert stop.data["kind"] == "not_reachable" and start.data["by"] == "department"
    assert start.data["until"] == local(2026, 10, 9, 23, 59, 59).isoformat()
    [kept] = db.session.scalars(select(CasePause)).all()
    assert (kept.due_before, kept.due_after) == (
        local(2026, 10, 8, 23, 59, 59),
        local(2026, 10, 9, 23, 59, 59),
    )


def test_nothing_escalates_while_paused(db, user, accepted):
    pause(db, user, accepted, local(2026, 9, 29, 10, 0), local(2026, 10, 20, 10, 0))
    assert jobs.escalate_due_cases(local(2026, 10, 15, 0, 0)) == []
    act(db, user, accepted, Action.RESUME, local(2026, 10, 15, 0, 0))
    assert [e.level for e in jobs.escalate_due_cases(accepted.due_at)] == [1, 2]


def test_pauses_are_limited_per_deadline(db, user, accepted):
    moment = local(2026, 9, 28, 10, 0)
    for hours in (1, 3):
        pause(db, user, accepted, moment.replace(hour=hours), local(2026, 10, 9, 12, 0))
        act(db, user, accepted, Action.RESUME, moment.replace(hour=hours + 1))
    with pytest.raises(InvalidTransition, match="paused 2 times"):
        pause(db, user, accepted, moment.replace(hour=6), local(2026, 10, 9, 12, 0))
    db.session.rollback()
    assert len(history(db, accepted, "pause")) == 2


def test_bad_pauses_are_refused(db, user, accepted):
    at = local(2026, 9, 28, 10, 0)
    for until in (at, local(2026, 12, 1, 0, 0)):  # not later than now; beyond 30 days
        with pytest.raises(ValidationFailed) as refused:
            pause(db, user, accepted, at, until)
        assert "until" in refused.value.fields
        db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        pause(db, user, accepted, at, local(2026, 10, 9, 12, 0), kind="lunch")
    assert "kind" in refused.value.fields
    db.session.rollback()
    with pytest.raises(InvalidTransition, match="not paused"):
        act(db, user, accepted, Action.RESUME, at)
    db.session.rollback()
    assert history(db, accepted, "pause") == []


def test_the_callers_sms_ends_the_pause(db, user, accepted):
    pause(db, user, accepted, local(2026, 9, 28, 10, 0), local(2026, 10, 9, 12, 0))
    with writing():
        answered = local(2026, 9, 28, 14, 0)
        inbound.receive("SM" + "8" * 32, "+8613812341234", "我在家了,可以来", answered)
        db.session.commit()
    db.session.refresh(accepted)
    assert accepted.paused_at is None
    assert accepted.due_at == local(2026, 10, 9, 3, 59, 59)  # 4 working hours later
    [start] = history(db, accepted, "resume")
    assert start.data["by"] == "citizen" and start.actor_id is None


def test_the_pause_ends_by_itself_at_its_date(db, user, accepted):
    pause(db, user, accepted, local(2026, 9, 29, 9, 0), local(2026, 9, 29, 17, 0))
    assert jobs.resume_due_pauses(local(2026, 9, 29, 16, 59)) == []
    assert jobs.resume_due_pauses(local(2026, 9, 29, 17, 1)) == [accepted.number]
    db.session.refresh(accepted)
    assert accepted.due_at == local(2026, 10, 9, 7, 59, 59)  # 8 working hours: until 17:00
    [start] = history(db, accepted, "resume")
    assert start.data["by"] == "time"


def test_a_reply_while_paused_ends_the_pause_first(db, user, accepted):
    pause(db, user, accepted, local(2026, 9, 28, 10, 0), local(2026, 10, 9, 12, 0))
    act(db, user, accepted, Action.REPLY, local(2026, 9, 28, 11, 0), text="已电话联系并处理")
    assert accepted.status == "replied" and accepted.paused_at is None
    assert [e.action for e in history(db, accepted, "resume")] == ["resume"]


def test_supervisors_see_paused_cases(db, user, login, accepted):
    pause(db, user, accepted, local(2026, 9, 28, 10, 0), local(2026, 10, 9, 12, 0))
    page = login("supervisor1").get("/desk/supervisor").text
    assert "暂停计时的工单" in page and accepted.number in page


def test_through_the_api(client, auth_header, accepted, db):
    url = f"/api/v1/cases/{accepted.number}"
    water = auth_header("water1")
    bad = client.post(url + "/pause", json={"reason": "x", "until": "tomorrow"}, headers=water)
    assert bad.status_code == 422 and "until" in bad.json["error"]["fields"]
    until = (datetime.now(UTC) + timedelta(days=2)).isoformat()  # the API acts now
    body = {"kind": "materials", "reason": "需要产权证明", "until": until}
    assert client.post(url + "/pause", json=body, headers=water).status_code == 200
    again = client.post(url + "/pause", json=body, headers=water)
    assert again.status_code == 409
    assert client.post(url + "/resume", json={}, headers=water).status_code == 200
    gas = client.post(url + "/pause", json=body, headers=auth_header("gas1"))
    assert gas.status_code == 404


def test_a_pause_not_due_by_the_clock_read_after_the_claim_goes_on(db, user, accepted):
    """The clock stepped back between the batch's first reading and its claim."""
    until = local(2026, 9, 29, 17, 0)
    pause(db, user, accepted, local(2026, 9, 29, 9, 0), until)
    with writing():
        earlier = until - timedelta(minutes=1)
        claimed, resumed = pauses.resume_due(
            until + timedelta(minutes=1), 10, recheck=lambda: earlier
        )
        db.session.commit()
    assert (claimed, resumed) == (1, [])
    db.session.refresh(accepted)
    assert accepted.paused_at is not None and accepted.pause_until == until
