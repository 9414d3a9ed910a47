def test_case_goes_from_intake_to_archive(client, auth_header):
    op = auth_header("operator1")
    body = {
        "channel": "phone",
        "caller_phone": "138 1234 1234",
        "category": "water.outage",
        "description": "停水",
    }
    created = client.post("/api/v1/cases", json=body, headers=op)
    assert created.status_code == 201, created.json
    number = created.json["number"]
    steps = [
        ("accept", "water1", {}),
        ("reply", "water1", {"text": "已恢复"}),
        ("approve_reply", "operator1", {}),
        ("callback", "operator1", {"satisfied": True}),
        ("archive", "operator1", {}),
    ]
    for action, who, params in steps:
        r = client.post(f"/api/v1/cases/{number}/{action}", json=params, headers=auth_header(who))
        assert r.status_code == 200, r.json
    final = client.get(f"/api/v1/cases/{number}", headers=op).json
    assert final["status"] == "archived"
    assert [e["action"] for e in final["events"]] == [
        "register",
        "dispatch",
        "accept",
        "reply",
        "approve_reply",
        "callback",
        "archive",
    ]
