"""Routing rules: order, category subtrees, whole-word keywords in Chinese text, the
category default as fallback, the undispatched queue, and each decision in the history."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from app.models import Action, CaseEvent, RoutingRule, Status
from app.sqlite import writing
from dispatch import cases, desks, directory, routing, routing_rules, words
from dispatch.errors import ValidationFailed


@pytest.fixture
def add_rule(db, now):
    """Create a rule through the admin's service and commit, e.g. add_rule("名", keywords=…)."""

    def add(name: str, department: str, **fields):
        db.session.commit()
        with writing():
            rule = routing_rules.save_rule(
                {"name": name, "department": department, **fields}, None, now
            )
            db.session.commit()
        return rule

    return add


def routed(make_case, **fields):
    """A case registered through intake, and its routing event's data."""
    case = make_case("dispatched", **fields)
    dispatch = [e for e in case.events if e.action == Action.DISPATCH]
    return case, (dispatch[0].data if dispatch else None)


def test_the_first_matching_rule_in_order_wins(add_rule, make_case, db, now):
    heating = add_rule("暖气漏水交热力", "heating", keywords="暖气漏水\n暖气片")
    water = add_rule("漏水交供水", "water", keywords="漏水", assist=["housing"])
    case, data = routed(make_case, category="consult", description="3楼暖气漏水,水流到楼道")
    assert case.department.code == "heating"
    assert data["rule_id"] == heating.id and data["keyword"] == "暖气漏水"

    with writing():
        routing_rules.move_rule(water, "up", now)
        db.session.commit()
    case, data = routed(make_case, category="consult", description="3楼暖气漏水,水流到楼道")
    assert case.department.code == "water" and data["rule_name"] == "漏水交供水"
    assert [d.code for d in case.assist_departments] == ["housing"]

    with writing():
        routing_rules.set_rule_active(db.session.merge(water), False, now)
        db.session.commit()
    case, _ = routed(make_case, category="consult", description="3楼暖气漏水,水流到楼道")
    assert case.department.code == "heating"


def test_a_category_condition_covers_the_whole_subtree(add_rule, make_case, db):
    add_rule("西城区供水事项协办", "water", category="water", district="西城区", assist=["roads"])
    case, data = routed(make_case, category="water.burst", district="西城区", description="爆管")
    assert data["rule_name"] == "西城区供水事项协办" and "water.burst" in data["reason"]
    assert [d.code for d in case.assist_departments] == ["roads"]
    other, data = routed(make_case, category="water.burst", district="东城区", description="爆管")
    assert data["rule_id"] is None and other.assist_departments == []  # the category default

    # A node added under the subtree later is covered too (the tree change is noticed).
    with writing():
        directory.save_category(
            {"code": "water.burst.night", "name": "夜间爆管", "parent": "water.burst"}, None
        )
        db.session.commit()
    case, data = routed(make_case, category="water.burst.night", district="西城区")
    assert data["rule_name"] == "西城区供水事项协办"
    gas, data = routed(make_case, category="gas.outage", district="西城区", description="停气")
    assert gas.department.code == "gas" and data["rule_id"] is None


@pytest.mark.parametrize(
    "description, fires",
    [
        ("小区路灯不亮三天了", True),
        ("门口的路灯杆被车撞歪了", True),  # 路灯 begins the compound 路灯杆
        ("马路灯光太暗,晚上看不清", False),  # 马路 / 灯光: 路灯 straddles two words
        ("马路灯箱广告太亮", False),
    ],
)
def test_a_keyword_matches_whole_words_not_characters(make_case, description, fires):
    case, data = routed(make_case, category="consult", description=description)
    if fires:  # the demo rule "路灯交道路管理处"
        assert case.department.code == "roads" and data["keyword"] == "路灯"
    else:
        assert case.status == Status.REGISTERED and case.department is None


def test_keywords_and_phrases_in_running_text(add_rule, make_case):
    add_rule("水管", "water", keywords="水管")
    add_rule("电梯困人", "housing", keywords="电梯 困人", priority="urgent")
    case, _ = routed(make_case, category="consult", description="厨房水管爆了,水漫到客厅")
    assert case.department.code == "water"
    case, _ = routed(make_case, category="consult", description="请问自来水管理处的电话")
    assert case.department is None  # 自来水 / 管理处
    case, data = routed(
        make_case, category="consult", priority="urgent", description="1号楼电梯困人,快来"
    )
    assert case.department.code == "housing" and data["keyword"] == "电梯 困人"
    case, _ = routed(make_case, category="consult", priority="urgent", description="电梯里没有困人")
    assert case.department is None  # the phrase's words are not consecutive
    case, _ = routed(make_case, category="consult", description="1号楼电梯困人")
    assert case.department is None  # the rule asks for an urgent case


def test_text_is_compared_as_normalized_and_only_cut_when_a_keyword_occurs(
    add_rule, make_case, monkeypatch
):
    add_rule("网络", "housing", keywords="WiFi")
    case, data = routed(make_case, category="consult", description="小区ＷｉＦｉ坏了")
    assert case.department.code == "housing" and data["keyword"] == "wifi"  # full width
    cut = words.cut
    monkeypatch.setattr(words, "cut", lambda text: pytest.fail(f"segmented {text!r}"))
    case, _ = routed(make_case, category="consult", description="小区停水了")  # no keyword
    assert case.department is None
    monkeypatch.setattr(words, "cut", cut)


def test_without_a_rule_the_category_default_takes_the_case(make_case):
    case, data = routed(make_case, category="water.outage", description="幸福小区3号楼停水一天了")
    assert case.department.code == "water"
    assert data["rule_id"] is None and "default department of water.outage" in data["reason"]


def test_a_case_nothing_routes_waits_undispatched(make_case, user, now):
    case = make_case("dispatched", category="consult", description="咨询公积金提取政策")
    assert case.status == Status.REGISTERED and case.department is None
    register = case.events[0]
    assert register.action == Action.REGISTER and "no default department" in register.data["reason"]
    assert case in desks.operator_queues(now)["undispatched"]
    found = cases.search(user("operator1"), cases.CaseFilter(status="registered"), now)
    assert [c.number for c in found.items] == [case.number]


def test_every_routing_decision_is_in_the_history_with_its_rule(add_rule, make_case, db):
    rule = add_rule("楼顶加盖", "appearance", keywords="加盖", channel="web")
    case, _ = routed(make_case, channel="web", category="housing", description="楼顶私自加盖一层")
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "dispatch")
    )
    assert event.actor_id is None and event.data["department"] == "appearance"
    assert event.data["rule_id"] == rule.id and event.data["rule_name"] == "楼顶加盖"
    assert 'keyword "加盖"' in event.data["reason"] and "channel web" in event.data["reason"]


def test_a_rule_bound_to_a_channel_or_district_passes_over_other_cases(add_rule, make_case):
    add_rule("网上加盖", "appearance", keywords="加盖", channel="web")
    add_rule("朝阳井盖", "roads", keywords="井盖", district="朝阳区")
    case, data = routed(make_case, channel="phone", category="housing", description="楼顶私自加盖")
    assert case.department.code == "housing" and "default department" in data["reason"]
    case, _ = routed(make_case, channel="web", category="housing", description="楼顶私自加盖")
    assert case.department.code == "appearance"
    case, _ = routed(make_case, district="海淀区", category="consult", description="井盖丢了")
    assert case.department is None  # the rule names another district; consult has no default
    case, _ = routed(make_case, district="朝阳区", category="consult", description="井盖丢了")
    assert case.department.code == "roads"


def test_a_change_made_by_another_process_is_seen_within_the_check_interval(
    app, add_rule, make_case, db, monkeypatch
):
    monkeypatch.setitem(app.config, "REFERENCE_CHECK_SECONDS", 0.5)
    add_rule("楼顶加盖", "appearance", keywords="加盖")
    assert routed(make_case, category="housing", description="楼顶加盖")[0].department.code == (
        "appearance"
    )
    db.session.commit()
    with writing(), db.engine.begin() as other:  # as another server process would write
        other.execute(
            text("UPDATE routing_rules SET active = :no WHERE name = '楼顶加盖'"), {"no": False}
        )
        other.execute(text("UPDATE routing_revisions SET number = number + 1"))
    time.sleep(0.6)  # this process looks at the revision again at most this often
    assert routed(make_case, category="housing", description="楼顶加盖")[0].department.code == (
        "housing"
    )


def test_bad_rules_are_refused_and_nothing_is_saved(db, now):
    before = db.session.scalar(select(func.count()).select_from(RoutingRule))
    revision = routing.current_revision()
    with pytest.raises(ValidationFailed) as refused:
        routing_rules.save_rule(
            {"name": "x", "department": "water", "assist": ["water", "nope"], "channel": "fax"},
            None,
            now,
        )
    assert set(refused.value.fields) == {"assist", "channel", "keywords"}
    with pytest.raises(ValidationFailed) as refused:
        routing_rules.save_rule(
            {"name": "x", "department": "water", "keywords": "长" * 51}, None, now
        )
    assert "at most 50" in refused.value.fields["keywords"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == before
    assert routing.current_revision() == revision


def test_try_it_tells_the_rule_and_changes_nothing(db):
    decision = routing_rules.try_route({"description": "楼道里闻到煤气很浓", "category": "consult"})
    assert decision.department.code == "gas" and decision.rule_name == "燃气异味一律先交燃气"
    assert "煤气" in decision.reason
    with pytest.raises(ValidationFailed) as refused:
        routing_rules.try_route({"description": "", "category": "nope"})
    assert set(refused.value.fields) == {"description", "category"}


@pytest.mark.parametrize("extra_keys", [0, routing.SEARCHED_KEYS_MAX])  # sought, or not
def test_a_keyword_is_found_in_the_text_however_many_rules_there_are(extra_keys):
    keys = {"路灯": [(0, (), "路灯")]} | {f"键{n}": [(1, (), f"键{n}")] for n in range(extra_keys)}
    matcher = routing.Matcher(0, [], keys, [], {}, longest=6)
    assert matcher.keyword_hits("小区路灯不亮") == {0: "路灯"}
    assert matcher.keyword_hits("小区停水了") == {}
