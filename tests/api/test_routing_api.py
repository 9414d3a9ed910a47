"""POST /api/v1/cases routes at once when a rule matches, and the history says which."""

from __future__ import annotations


def test_a_case_posted_through_the_api_is_routed_by_the_matching_rule(client, auth_header):
    body = {
        "channel": "web",
        "caller_phone": "13812341234",
        "category": "construction.noise",
        "description": "工地夜间施工,吵得睡不着",
    }
    answer = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    assert answer.status_code == 201, answer.json
    case = answer.json
    assert case["status"] == "dispatched" and case["department"] == "construction"
    assert case["assist_departments"] == ["appearance"]  # the demo rule "夜间施工扰民"
    detail = client.get(f"/api/v1/cases/{case['number']}", headers=auth_header("operator1"))
    dispatch = [e for e in detail.json["events"] if e["action"] == "dispatch"][0]
    assert dispatch["data"]["rule_name"] == "夜间施工扰民"
    assert dispatch["data"]["keyword"] == "夜间施工"
