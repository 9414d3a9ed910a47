"""API handlers for the reference lists: departments and categories."""

from __future__ import annotations

from app.api import bp
from app.api.schemas import category_json, department_json
from dispatch import directory


@bp.get("/departments")
def departments():
    return {"items": [department_json(d) for d in directory.list_departments()]}


@bp.get("/categories")
def categories():
    return {"items": [category_json(c) for c in directory.list_categories()]}
