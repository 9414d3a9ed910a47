"""Factories: make_case(**overrides) registers a real case through the intake service."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Action, Case
from app.sqlite import writing
from dispatch import intake, lifecycle

DEFAULT_CASE = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "caller_name": "张三",
    "category": "water.outage",
    "description": "幸福小区3号楼停水一天了",
    "address": "幸福路18号",
    "district": "东城区",
}

# The actions that bring a freshly routed case to each status, with their actors.
# "reviewing": replied, the reply waiting for the operator's review (回复审核); "replied":
# the reply released to the caller, waiting for the callback.
REPLY = [("accept", "water1", {}), ("reply", "water1", {"text": "已修复管道,恢复供水"})]
APPROVE = [("approve_reply", "operator1", {})]
PATH_TO = {
    "registered": [],
    "dispatched": [],
    "accepted": [("accept", "water1", {})],
    "reviewing": REPLY,
    "replied": REPLY + APPROVE,
    "closed": REPLY + APPROVE + [("callback", "operator1", {"satisfied": True})],
    "archived": REPLY
    + APPROVE
    + [("callback", "operator1", {"satisfied": True}), ("archive", "operator1", {})],
}


def case_factory(find_user, now: datetime):
    def make_case(status: str = "dispatched", at: datetime | None = None, **overrides) -> Case:
        data = {**DEFAULT_CASE, **overrides}
        if status == "registered":
            data["category"] = "consult"  # no default department: stays undispatched
        # End the test's read transaction first: on SQLite a write inside a read begun
        # before another process wrote fails at once ("database is locked").
        db.session.commit()
        with writing():
            case = intake.register_case(data, find_user("operator1"), at or now)
            for action, username, params in PATH_TO[status]:
                lifecycle.act(case, Action(action), find_user(username), at or now, params)
            db.session.commit()
        return case

    return make_case
