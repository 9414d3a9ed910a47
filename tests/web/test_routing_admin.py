"""The routing rules' admin page: admins only, bad input refused on the page with nothing
saved, a saved rule routes the next case, and "try it" names the rule that fires."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import RoutingRule


def rule_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(RoutingRule))


def result(page: str) -> str:
    return re.search(r'id="trial-result">(.*?)</div>', page, re.S).group(1)


def test_only_admins_reach_the_routing_rules(login, client):
    assert client.get("/admin/routing/").status_code == 302  # to the login page
    for username in ("operator1", "supervisor1", "water1"):
        assert login(username).get("/admin/routing/").status_code == 403
        assert login(username).post("/admin/routing/new", data={"name": "x"}).status_code == 403
    admin = login("admin")
    page = admin.get("/admin/routing/")
    assert page.status_code == 200 and "分派规则" in page.text and "路灯交道路管理处" in page.text
    assert "/admin/routing/" in admin.get("/admin/departments").text  # the nav link


def test_a_bad_rule_is_refused_on_the_page_and_nothing_is_saved(login, db):
    before = rule_count(db)
    admin = login("admin")
    answer = admin.post(
        "/admin/routing/new",
        data={"name": "", "keywords": "爆管", "department": "nope", "position": "first"},
    )
    assert answer.status_code == 422
    assert "必填" in answer.text
    assert "没有这个部门" in answer.text and "爆管" in answer.text  # input kept
    assert rule_count(db) == before


def test_a_saved_rule_routes_cases_and_try_it_names_it(login, db, make_case):
    admin = login("admin")
    saved = admin.post(
        "/admin/routing/new",
        data={
            "name": "窨井冒水交排水",
            "keywords": "冒水\n污水 外溢",
            "category": "water",
            "department": "drainage",
            "assist": ["water"],
            "position": "1",
            "active": "1",
        },
    )
    assert saved.status_code == 302
    listing = admin.get("/admin/routing/").text
    first = re.search(r'<tr id="rule-\d+"[^>]*><td>1</td>\s*<td><a[^>]*>([^<]*)', listing)
    assert first.group(1) == "窨井冒水交排水"

    tried = admin.post(
        "/admin/routing/try",
        data={"description": "路边窨井污水外溢好几天", "category": "water.quality"},
    )
    assert tried.status_code == 200
    assert "窨井冒水交排水" in result(tried.text) and "污水 外溢" in result(tried.text)
    elsewhere = admin.post(
        "/admin/routing/try", data={"description": "路边窨井污水外溢好几天", "category": "gas"}
    )
    assert "窨井冒水交排水" not in result(elsewhere.text)

    case = make_case(category="water.quality", description="门口窨井一直冒水")
    assert case.department.code == "drainage"
    assert [d.code for d in case.assist_departments] == ["water"]


def test_the_rule_list_names_a_rules_channel_and_priority(login, db):
    admin = login("admin")
    rule = {"name": "来信燃气", "category": "gas", "channel": "letter", "priority": "urgent"}
    saved = admin.post(
        "/admin/routing/new", data={**rule, "department": "gas", "position": "1", "active": "1"}
    )
    assert saved.status_code == 302, saved.text
    listing = admin.get("/admin/routing/").text
    assert "渠道: 来信" in listing and "紧急程度: 加急" in listing
