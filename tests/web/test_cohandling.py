"""主办/协办 from intake to close: the assisting department sees the case and gives its
opinion; the lead's reply waits for it unless overridden with a reason; all in the history."""

from __future__ import annotations

from sqlalchemy import select

from app.models import CaseEvent


def actions(db, case) -> list[str]:
    db.session.rollback()
    query = select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return list(db.session.scalars(query))


def test_the_lead_waits_for_the_assisting_opinion(client, auth_header, make_case, db):
    case = make_case("registered")
    url = f"/api/v1/cases/{case.number}"
    operator, water, drainage = (auth_header(u) for u in ("operator1", "water1", "drainage1"))
    body = {"department": "water", "assist": ["drainage"]}
    assert client.post(url + "/dispatch", json=body, headers=operator).status_code == 200
    assert client.post(url + "/accept", json={}, headers=water).status_code == 200
    assert client.get(url, headers=drainage).status_code == 200  # the assisting dept sees it
    early = client.post(url + "/reply", json={"text": "已处理"}, headers=water)
    assert early.status_code == 409 and "排水与防汛管理处" in early.json["error"]["message"]
    assert client.post(url + "/assist_opinion", json={"text": "x"}, headers=water).status_code in (
        403,
        409,
    )  # the lead gives no assisting opinion
    opinion = {"text": "雨水管网已疏通,建议供水集团检查阀门"}
    assert client.post(url + "/assist_opinion", json=opinion, headers=drainage).status_code == 200
    again = client.post(url + "/assist_opinion", json=opinion, headers=drainage)
    assert again.status_code == 409
    reply = client.post(url + "/reply", json={"text": "阀门已更换"}, headers=water)
    assert reply.status_code == 200
    approved = client.post(url + "/approve_reply", headers=auth_header("operator1"))
    assert approved.status_code == 200
    closed = client.post(
        url + "/callback", json={"satisfied": True}, headers=auth_header("operator1")
    )
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert actions(db, case)[-6:] == [
        "dispatch", "accept", "assist_opinion", "reply", "approve_reply", "callback",
    ]  # fmt: skip


def test_the_lead_may_reply_without_it_giving_a_reason(client, auth_header, make_case, db, login):
    case = make_case("registered")
    url = f"/api/v1/cases/{case.number}"
    water = auth_header("water1")
    body = {"department": "water", "assist": ["drainage"]}
    client.post(url + "/dispatch", json=body, headers=auth_header("operator1"))
    client.post(url + "/accept", json={}, headers=water)
    page = login("water1").get(f"/cases/{case.number}").text
    assert "尚待排水与防汛管理处的协办意见" in page and "待提交" in page
    answer = client.post(
        url + "/reply",
        json={"text": "已修复", "override_reason": "市民急需恢复供水,协办意见另行补充"},
        headers=water,
    )
    assert answer.status_code == 200
    db.session.rollback()
    reply = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "reply")
    ).one()
    assert reply.data["override_reason"].startswith("市民急需") and reply.data["without"] == [
        "drainage"
    ]


def test_a_rework_or_a_reopening_asks_the_assisting_department_again(
    client, auth_header, make_case, db
):
    case = make_case("registered")
    url = f"/api/v1/cases/{case.number}"
    operator, water, drainage = (auth_header(u) for u in ("operator1", "water1", "drainage1"))
    body = {"department": "water", "assist": ["drainage"]}
    assert client.post(url + "/dispatch", json=body, headers=operator).status_code == 200

    def round_to_callback(satisfied: bool) -> dict:
        assert client.post(url + "/accept", json={}, headers=water).status_code == 200
        opinion = {"text": "管网已疏通"}
        assert (
            client.post(url + "/assist_opinion", json=opinion, headers=drainage).status_code == 200
        )
        assert (
            client.post(url + "/reply", json={"text": "已修复"}, headers=water).status_code == 200
        )
        assert client.post(url + "/approve_reply", headers=operator).status_code == 200
        called = client.post(url + "/callback", json={"satisfied": satisfied}, headers=operator)
        assert called.status_code == 200, called.json
        return called.json

    reworked = round_to_callback(False)  # not satisfied: back to water, drainage again
    assert reworked["status"] == "dispatched" and reworked["assist_departments"] == ["drainage"]
    assert client.post(url + "/accept", json={}, headers=water).status_code == 200
    early = client.post(url + "/reply", json={"text": "再次处理"}, headers=water)
    assert early.status_code == 409  # the new round waits for drainage's opinion again
    assert (
        client.post(url + "/assist_opinion", json={"text": "已复查"}, headers=drainage).status_code
        == 200
    )
    assert client.post(url + "/reply", json={"text": "再次处理"}, headers=water).status_code == 200
    assert client.post(url + "/approve_reply", headers=operator).status_code == 200
    closed = client.post(url + "/callback", json={"satisfied": True}, headers=operator)
    assert closed.json["status"] == "closed"

    supervisor = auth_header("supervisor1")
    reopened = client.post(url + "/reopen", json={"reason": "又停水了"}, headers=supervisor)
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["status"] == "dispatched"
    assert reopened.json["assist_departments"] == ["drainage"]
