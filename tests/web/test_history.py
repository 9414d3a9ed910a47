"""The case page's history (办理过程) says what each event's data means, in the page's
language: departments by name, times local, codes by their names, no raw keys."""

from __future__ import annotations

from datetime import timedelta

from app.models import Action
from app.sqlite import writing
from dispatch import jobs, lifecycle


def test_the_history_reads_as_chinese(login, make_case, user, now, db):
    case = make_case("accepted")
    with writing():
        lifecycle.act(
            case,
            Action.EXTEND,
            user("water1"),
            now,
            {"until": (now + timedelta(days=9)).isoformat(), "reason": "需协调管线单位"},
        )
        db.session.commit()
    db.session.commit()
    jobs.escalate_due_cases(now + timedelta(days=30))  # every level reached
    page = login("supervisor1").get(f"/cases/{case.number}").text
    assert "渠道:</span> 电话" in page
    assert "承办部门:</span> 市供水集团" in page  # the routing's department, by name
    assert "分派依据:</span> 未命中分派规则,交事项分类的默认部门" in page
    assert "级别:</span> 1级 · 预警" in page and "3级 · 严重超期" in page
    assert "理由:</span> 需协调管线单位" in page
    for raw in ("department: water", "channel: phone", "name: warning", "+00:00", "rule_id"):
        assert raw not in page


def test_the_history_in_english(login, make_case):
    case = make_case("dispatched")
    supervisor = login("supervisor1")
    supervisor.get("/lang/en")
    page = supervisor.get(f"/cases/{case.number}").text
    assert "Channel:</span> Phone" in page
    assert "Routing:</span> no rule matched: the category&#39;s default department" in page
