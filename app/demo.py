"""Demo data: a realistic 12319 hotline (departments, category tree, routing rules, users,
the default deadline policies); idempotent."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    Category,
    DeadlinePolicy,
    Department,
    Role,
    RoutingRevision,
    RoutingRule,
    User,
    utcnow,
)

DEMO_PASSWORD = "hotline-demo"

DEPARTMENTS = [
    # code, 名称, English, on-call phone, head's phone
    ("water", "市供水集团", "Water Supply", "+8613800010001", "+8613800010002"),
    ("gas", "市燃气集团", "Gas", "+8613800020001", "+8613800020002"),
    ("heating", "市热力公司", "Heating", "+8613800030001", "+8613800030002"),
    ("drainage", "排水与防汛管理处", "Drainage and Flood Control", "+8613800040001", None),
    ("roads", "市政道路管理处", "Roads", "+8613800050001", None),
    ("housing", "房屋与物业管理中心", "Housing and Property Management", None, None),
    ("appearance", "市容环境管理处", "Urban Appearance", None, None),
    ("construction", "建筑市场监管处", "Construction Market", None, None),
]

# code, 名称, English, parent, default department, emergency
CATEGORIES = [
    ("water", "供水", "Water supply", None, "water", False),
    ("water.outage", "停水", "No water", "water", "water", False),
    ("water.burst", "爆管漏水", "Burst main", "water", "water", True),
    ("water.quality", "水质问题", "Water quality", "water", "water", False),
    ("water.pressure", "水压不足", "Low pressure", "water", "water", False),
    ("gas", "燃气", "Gas", None, "gas", False),
    ("gas.leak", "燃气泄漏", "Gas leak", "gas", "gas", True),
    ("gas.outage", "停气", "No gas", "gas", "gas", False),
    ("gas.billing", "燃气收费", "Gas billing", "gas", "gas", False),
    ("heating", "供热", "Heating", None, "heating", False),
    ("heating.cold", "室温不达标", "Home too cold", "heating", "heating", False),
    ("heating.leak", "暖气漏水", "Radiator leak", "heating", "heating", False),
    ("drainage", "排水防汛", "Drainage and flood control", None, "drainage", False),
    ("drainage.flooding", "道路积水", "Flooded street", "drainage", "drainage", True),
    ("drainage.blocked", "下水道堵塞", "Blocked sewer", "drainage", "drainage", False),
    ("drainage.manhole", "井盖缺失", "Missing manhole cover", "drainage", "drainage", True),
    ("roads", "道路桥梁", "Roads and bridges", None, "roads", False),
    ("roads.pothole", "路面坑洼", "Pothole", "roads", "roads", False),
    ("roads.streetlight", "路灯不亮", "Street light out", "roads", "roads", False),
    ("housing", "房屋物业", "Housing and property", None, "housing", False),
    ("housing.property", "物业服务", "Property management", "housing", "housing", False),
    ("housing.elevator", "电梯故障", "Lift out of order", "housing", "housing", False),
    ("housing.danger", "危房险情", "Unsafe building", "housing", "housing", True),
    ("appearance", "市容环境", "Urban appearance", None, "appearance", False),
    ("appearance.litter", "垃圾清运", "Refuse collection", "appearance", "appearance", False),
    ("appearance.ads", "违规广告", "Illegal signs", "appearance", "appearance", False),
    ("construction", "建筑市场", "Construction market", None, "construction", False),
    ("construction.noise", "施工扰民", "Construction noise", "construction", "construction", False),
    ("construction.wages", "拖欠工资", "Unpaid wages", "construction", "construction", False),
    ("consult", "政策咨询", "Policy questions", None, None, False),
]

# 分派规则, tried in this order: name, keywords (a phrase is words separated by a space),
# category (its whole subtree), lead department, assisting departments
RULES = [
    ("燃气异味一律先交燃气", ["燃气味", "煤气味", "闻到 煤气", "闻到 燃气"], None, "gas", []),
    ("供水引起路面塌陷 道路协办", ["路面塌陷", "塌陷", "路面冒水"], "water", "water", ["roads"]),
    ("夜间施工扰民", ["夜间施工", "半夜施工", "通宵施工"], None, "construction", ["appearance"]),
    ("违章搭建交市容 房管协办", ["违章搭建", "私搭乱建", "违建"], None, "appearance", ["housing"]),
    ("供暖收费咨询交热力", ["供暖费", "暖气费", "采暖费"], "consult", "heating", []),
    ("路灯交道路管理处", ["路灯"], None, "roads", []),
]

# Mobile numbers of demo users (a supervisor's gets the texts of seriously overdue cases).
USER_PHONES = {"supervisor1": "+8613800090001"}

USERS = [
    # username, display name, role, department
    ("operator1", "话务员 王芳", Role.OPERATOR, None),
    ("operator2", "话务员 李娜", Role.OPERATOR, None),
    ("supervisor1", "督办员 张伟", Role.SUPERVISOR, None),
    ("admin", "管理员", Role.ADMIN, None),
    ("water1", "供水 刘洋", Role.HANDLER, "water"),
    ("gas1", "燃气 陈静", Role.HANDLER, "gas"),
    ("heating1", "供热 杨磊", Role.HANDLER, "heating"),
    ("drainage1", "排水 赵敏", Role.HANDLER, "drainage"),
    ("roads1", "道路 黄强", Role.HANDLER, "roads"),
    ("housing1", "物业 周丽", Role.HANDLER, "housing"),
    ("appearance1", "市容 吴军", Role.HANDLER, "appearance"),
    ("construction1", "建筑 徐磊", Role.HANDLER, "construction"),
]


def _by_code(model, code):
    return db.session.scalar(select(model).where(model.code == code))


def seed() -> None:
    """Add what is missing of the demo setup; existing rows are left as they are."""
    for code, name, name_en, oncall, head in DEPARTMENTS:
        if _by_code(Department, code) is None:
            db.session.add(
                Department(
                    code=code, name=name, name_en=name_en, oncall_phone=oncall, head_phone=head
                )
            )
    db.session.flush()
    for code, name, name_en, parent, dept, emergency in CATEGORIES:
        if _by_code(Category, code) is None:
            db.session.add(
                Category(
                    code=code,
                    name=name,
                    name_en=name_en,
                    parent=_by_code(Category, parent) if parent else None,
                    default_department=_by_code(Department, dept) if dept else None,
                    is_emergency=emergency,
                )
            )
            db.session.flush()
    for username, display_name, role, dept in USERS:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            user = User(
                username=username,
                display_name=display_name,
                role=role,
                department=_by_code(Department, dept) if dept else None,
                phone=USER_PHONES.get(username),
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
    db.session.flush()
    seed_policies()
    _seed_rules()


def seed_policies() -> None:
    """The built-in deadline policies as rows of the table, for the administrator to edit."""
    from dispatch import deadlines, reference

    added = False
    for policy in deadlines.DEFAULT_POLICIES:
        if policy.category is None and not _has_policy(policy.channel, policy.priority):
            db.session.add(
                DeadlinePolicy(
                    channel=policy.channel,
                    priority=policy.priority,
                    reply_amount=policy.reply_amount,
                    reply_unit=policy.reply_unit.value,
                    onsite_hours=policy.onsite_hours,
                    accept_minutes=policy.accept_minutes,
                    note="默认",
                )
            )
            added = True
    if added:
        reference.bump(reference.POLICIES, utcnow())
    db.session.flush()


def _has_policy(channel: str | None, priority: str | None) -> bool:
    stmt = select(DeadlinePolicy.id).where(
        DeadlinePolicy.category_id.is_(None),
        DeadlinePolicy.channel.is_(None) if channel is None else DeadlinePolicy.channel == channel,
        DeadlinePolicy.priority.is_(None)
        if priority is None
        else DeadlinePolicy.priority == priority,
    )
    return db.session.scalar(stmt) is not None


def _seed_rules() -> None:
    """The demo routing rules that are missing, after the existing ones (by name)."""
    last = db.session.scalar(select(func.max(RoutingRule.position))) or 0
    added = False
    for name, keywords, category, lead, assists in RULES:
        if db.session.scalar(select(RoutingRule).where(RoutingRule.name == name)) is not None:
            continue
        last += 1
        rule = RoutingRule(
            position=last,
            name=name,
            keywords="\n".join(keywords),
            category=_by_code(Category, category) if category else None,
            department=_by_code(Department, lead),
            assists=[_by_code(Department, code) for code in assists],
        )
        db.session.add(rule)
        added = True
    if added:  # every process compiles its routing matcher again
        db.session.execute(update(RoutingRevision).values(number=RoutingRevision.number + 1))
    db.session.flush()
