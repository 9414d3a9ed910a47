"""A handler sees and acts only on its department's cases through the API; an assisting
department sees the case (caller masked) but cannot act."""

from __future__ import annotations

from app.models import Action
from app.sqlite import writing
from dispatch import lifecycle, transitions


def test_another_departments_case_is_a_404_everywhere(client, auth_header, make_case, counts):
    case = make_case("dispatched")
    gas = auth_header("gas1")
    assert client.get(f"/api/v1/cases/{case.number}", headers=gas).status_code == 404
    before = counts()
    for action in transitions.TRANSITIONS:
        answer = client.post(f"/api/v1/cases/{case.number}/{action.value}", json={}, headers=gas)
        assert answer.status_code == 404, (action, answer.json)
    assert counts() == before
    listed = client.get("/api/v1/cases", headers=gas).json
    assert listed["total"] == 0 and listed["items"] == []
    assert client.get(f"/api/v1/cases?q={case.number}", headers=gas).json["total"] == 0
    water = client.get("/api/v1/cases", headers=auth_header("water1")).json
    assert [c["number"] for c in water["items"]] == [case.number]


def test_an_assisting_department_sees_but_cannot_act(client, auth_header, make_case, user, now, db):
    case = make_case("registered", caller_name="王五", caller_phone="13812341234")
    with writing():
        lifecycle.act(
            case,
            Action.DISPATCH,
            user("operator1"),
            now,
            {"department": "water", "assist": ["gas"]},
        )
        db.session.commit()
    gas = auth_header("gas1")
    seen = client.get(f"/api/v1/cases/{case.number}", headers=gas)
    assert seen.status_code == 200
    assert seen.json["caller_phone"] == "+86 138****1234" and seen.json["caller_name"] == ""
    refused = client.post(f"/api/v1/cases/{case.number}/accept", headers=gas)
    assert refused.status_code == 409
    lead = client.get(f"/api/v1/cases/{case.number}", headers=auth_header("water1")).json
    assert lead["caller_phone"] == "+8613812341234" and lead["caller_name"] == "王五"
