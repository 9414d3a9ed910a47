"""python -m bench.routing: cases routed per second with 50, 500 and 5,000 routing rules.

Rules and descriptions come from a municipal-service vocabulary (streets × issues such as
幸福路停水, 建设街 路灯, 人民大道燃气泄漏): 5,000 distinct keywords and phrases, one per
rule, some rules also bound to a category or a district. For each rule count it prints,
in the same run:
- the compiled matcher: routing.decide() as intake calls it (one read of the routing
  revision, one segmentation, dict lookups), and the one-off compile after a change;
- the naive baseline: the same segmentation, then each rule's keywords checked in turn;
and the ratio between 50 and 5,000 rules for each (the matcher's should stay near 1).
Each figure is the best of three passes over the same descriptions.
"""

from __future__ import annotations

import argparse
import random
import time
from functools import partial

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Category, Department, RoutingRule
from app.models.routing import routing_rule_assists
from app.sqlite import writing
from bench.common import make_app, scratch_database
from dispatch import routing, words

STREETS = [
    f"{a}{b}"
    for a in "幸福 建设 解放 人民 和平 胜利 友谊 长江 黄河 中山 新华 光明 朝阳 青年 文化 "
    "东风 红旗 前进 团结 振兴 迎宾 滨河 花园 金桥 育才".split()
    for b in ("路", "街", "大道", "巷")
]  # 100 streets
ISSUES = [  # issue, category code of the department that handles it
    ("停水", "water"),
    ("供水", "water"),
    ("水压低", "water"),
    ("水质浑浊", "water"),
    ("爆管", "water"),
    ("漏水", "water"),
    ("水表", "water"),
    ("自来水", "water"),
    ("燃气", "gas"),
    ("停气", "gas"),
    ("燃气泄漏", "gas"),
    ("煤气味", "gas"),
    ("燃气表", "gas"),
    ("天然气", "gas"),
    ("供暖", "heating"),
    ("暖气不热", "heating"),
    ("暖气漏水", "heating"),
    ("室温低", "heating"),
    ("路灯", "roads"),
    ("井盖", "drainage"),
    ("积水", "drainage"),
    ("下水道", "drainage"),
    ("污水", "drainage"),
    ("雨水井", "drainage"),
    ("路面坑洼", "roads"),
    ("路面塌陷", "roads"),
    ("人行道", "roads"),
    ("桥梁", "roads"),
    ("违章搭建", "appearance"),
    ("噪音", "construction"),
    ("垃圾清运", "appearance"),
    ("垃圾桶", "appearance"),
    ("占道经营", "appearance"),
    ("油烟", "appearance"),
    ("违规广告", "appearance"),
    ("树木倒伏", "appearance"),
    ("物业", "housing"),
    ("电梯", "housing"),
    ("物业费", "housing"),
    ("楼道", "housing"),
    ("危房", "housing"),
    ("外墙脱落", "housing"),
    ("消防通道", "housing"),
    ("施工扰民", "construction"),
    ("夜间施工", "construction"),
    ("渣土", "construction"),
    ("拖欠工资", "construction"),
    ("工地", "construction"),
    ("化粪池", "drainage"),
    ("窨井", "drainage"),
]  # 50 issues
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "高新区", "开发区"]
OPENINGS = ["", "你好,", "市民反映:", "我家住在", "来电人称", "请帮忙处理,"]
ENDINGS = ["已经三天了", ",请尽快处理", "好几次了没人管", ",影响出行", ",老人孩子很不方便", ""]


def vocabulary() -> list[tuple[str, str]]:
    """5,000 distinct keywords with their category: street and issue written together
    (幸福路停水, one word) or as a phrase of two words (幸福路 停水), alternately."""
    pairs = [(street, issue) for issue in ISSUES for street in STREETS]
    random.Random(12319).shuffle(pairs)
    return [
        ((s + i) if n % 2 else f"{s} {i}", category) for n, (s, (i, category)) in enumerate(pairs)
    ]


def describe(keyword: str, rng: random.Random) -> str:
    """A caller's description mentioning `keyword` (its words as people would write them)."""
    return f"{rng.choice(OPENINGS)}{keyword.replace(' ', '')}{rng.choice(ENDINGS)}"


def load_rules(count: int, vocab, categories: dict[str, Category], depts) -> None:
    """Replace all rules with the first `count` of the vocabulary, one keyword each."""
    with writing():
        db.session.execute(delete(routing_rule_assists))
        db.session.execute(delete(RoutingRule))
        for n, (keyword, category) in enumerate(vocab[:count]):
            rule = RoutingRule(
                position=n + 1,
                name=f"规则{n + 1}",
                keywords=keyword,
                department=depts[n % len(depts)],
                category=categories[category] if n % 3 == 0 else None,
                district=DISTRICTS[n % len(DISTRICTS)] if n % 5 == 0 else "",
            )
            db.session.add(rule)
        routing.note_change()
        db.session.commit()


def probes(count: int, vocab, categories, cases: int) -> list[tuple]:
    """Case fields: four in five mention a keyword of a rule in force, one in five none."""
    rng = random.Random(count)
    items = []
    for n in range(cases):
        keyword, category = rng.choice(vocab[:count])
        if n % 5 == 4:
            keyword = rng.choice(ISSUES)[0]  # just the issue: no rule's keyword
        items.append((describe(keyword, rng), categories[category], rng.choice(DISTRICTS)))
    return items


def naive(rules, description: str, category, district: str):
    """The baseline: segment once, then each rule's keywords in turn."""
    tokens = words.cut(description)
    present = set(tokens)
    for rule_id, category_id, rule_district, keywords in rules:
        if category_id is not None and category.id != category_id:
            continue
        if rule_district and rule_district != district:
            continue
        for parts in keywords:
            if parts[0] in present and (len(parts) == 1 or _follows(tokens, parts)):
                return rule_id
    return None


def _follows(tokens: list[str], parts: tuple[str, ...]) -> bool:
    return any(
        tokens[i : i + len(parts)] == list(parts) for i, t in enumerate(tokens) if t == parts[0]
    )


def per_second(fn, items, rounds: int = 3) -> float:
    """Cases per second, the best of `rounds` passes (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for description, category, district in items:
            fn(description, category, district)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def run(url: str, dialect: str, args) -> None:
    app = make_app(url)
    with app.app_context():
        words.warm_up()
        categories = {c.code: c for c in db.session.scalars(select(Category))}
        depts = list(db.session.scalars(select(Department).order_by(Department.code)))
        vocab = vocabulary()
        print(f"{dialect}: {args.cases:,} cases per rule count, {len(vocab):,} keywords")
        results = {}
        for count in (50, 500, 5000):
            load_rules(count, vocab, categories, depts)
            started = time.perf_counter()
            routing.matcher()
            compiled = (time.perf_counter() - started) * 1000
            items = probes(count, vocab, categories, args.cases)
            ordered = routing_rule_list()
            per_second(lambda d, c, s: routing.decide(d, c, s), items[:300], 1)  # warm up
            decided = per_second(lambda d, c, s: routing.decide(d, c, s), items)
            found = routing.matcher()
            alone = per_second(partial(routing.decide_with, found, channel="", priority=""), items)
            baseline = per_second(partial(naive, ordered), items)
            hits = sum(routing.decide(d, c, s).rule_id is not None for d, c, s in items[:500])
            results[count] = (decided, alone, baseline)
            print(
                f"  {count:>5,} rules ({hits / 5:.0f}% of cases routed by a rule):"
                f" decide {decided:>7,.0f}/s, matcher alone {alone:>7,.0f}/s,"
                f" naive baseline {baseline:>7,.0f}/s; compiled in {compiled:,.0f} ms"
            )
        first, last = results[50], results[5000]
        ratios = [a / b for a, b in zip(first, last, strict=True)]
        print(
            f"  time per case, 5,000 rules / 50 rules: decide {ratios[0]:.2f}x,"
            f" matcher alone {ratios[1]:.2f}x, naive baseline {ratios[2]:.1f}x;"
            f" at 5,000 rules decide is {last[0] / last[2]:.1f}x the baseline's rate"
        )
        db.session.remove()
        db.engine.dispose()


def routing_rule_list():
    """The rules in order as plain tuples, keywords split into words (the baseline's input)."""
    rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position))
    return [
        (r.id, r.category_id, r.district, [tuple(k.split(" ")) for k in r.keyword_list()])
        for r in rules
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="descriptions per rule count")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for dialect in args.engines.split(","):
        with scratch_database(dialect) as url:
            run(url, dialect, args)


if __name__ == "__main__":
    main()
