"""API handlers for cases: register, list, read, act."""

from __future__ import annotations

from flask import g, request

from app.api import bp, json_body
from app.api.schemas import case_json
from app.extensions import db
from app.models import direct, utcnow
from dispatch import cases, duplicates, intake_keys, lifecycle, settings
from dispatch.errors import ValidationFailed
from dispatch.fields import whole_number


@bp.post("/cases")
def create_case():
    data = json_body()
    owner, raw = intake_keys.owner_of(g.user), request.headers.get(intake_keys.HEADER)
    key = intake_keys.key_for(owner, raw, data)
    done = intake_keys.register(data, g.user, utcnow(), key, commits_next=True)
    answer = case_json(done.case, g.user)  # from the written case: no reads after the commit
    direct.commit_keeping_loaded(db.session())
    return answer, 201, done.headers


@bp.get("/cases")
def list_cases():
    wanted = _filter_from_query()
    page = cases.search(g.user, wanted, utcnow(), settings.phone_region())
    items = [case_json(case, g.user) for case in page.items]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


@bp.get("/cases/<number>")
def get_case(number: str):
    return case_json(cases.get_visible(number, g.user), g.user, with_events=True)


@bp.get("/cases/<number>/duplicates")
def case_duplicates(number: str):
    """疑似重复: the case's possible originals (within 30 days before it)."""
    case = cases.get_visible(number, g.user)
    found = duplicates.for_case(case, g.user)
    return {"items": [{**case_json(s.case, g.user), "reasons": list(s.reasons)} for s in found]}


@bp.post("/cases/<number>/<action>")
def case_action(number: str, action: str):
    params = json_body()
    chosen = lifecycle.action_from_name(action)
    case = cases.get_visible(number, g.user, for_update=True)
    lifecycle.act(case, chosen, g.user, utcnow(), params)
    db.session.commit()
    return case_json(case, g.user)


def _filter_from_query() -> cases.CaseFilter:
    args, errors = request.args, {}
    page = _positive_int(args.get("page", "1"), "page", errors, 100_000)
    per_page = _positive_int(args.get("per_page", "25"), "per_page", errors, cases.MAX_PER_PAGE)
    overdue = args.get("overdue", "false").lower()
    if overdue not in ("true", "false", "1", "0"):
        errors["overdue"] = "must be true or false"
    if errors:
        raise ValidationFailed(errors)
    return cases.CaseFilter(
        status=args.get("status") or None,
        department=args.get("department") or None,
        category=args.get("category") or None,
        phone=args.get("phone") or None,
        q=(args.get("q") or "").strip()[:200] or None,
        overdue=overdue in ("true", "1"),
        page=page,
        per_page=per_page,
    )


def _positive_int(raw: str, name: str, errors: dict, maximum: int) -> int:
    value = whole_number(raw)
    if value is None:
        errors[name] = "must be a whole number"
        return 1
    if not 1 <= value <= maximum:
        errors[name] = f"must be between 1 and {maximum}"
        return 1
    return value
