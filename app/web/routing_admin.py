"""Administration of the routing rules (分派规则), admins only: the ordered list, create and
edit, move up or down, switch on or off, and "try it" on a description."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import Channel, Priority, Role, RoutingRule, utcnow
from app.web import messages
from dispatch import directory, routing_rules
from dispatch.errors import NotFound, ValidationFailed

bp = Blueprint("routing_admin", __name__, url_prefix="/admin/routing")


@bp.before_request
@login_required
@roles_required(Role.ADMIN)
def _admins_only():
    return None


def _page(template: str, status: int = 200, **context):
    return render_template(
        template,
        categories=directory.list_categories(),
        departments=directory.list_departments(),
        channels=list(Channel),
        priorities=list(Priority),
        **context,
    ), status


@bp.get("/")
def rules():
    return _page("admin/routing_rules.html", rules=routing_rules.list_rules(), trial={}, errors={})


@bp.post("/try")
def try_it():
    """Which rule would fire for this description (and why); changes nothing."""
    trial = request.form.to_dict()
    try:
        decision = routing_rules.try_route(trial)
    except ValidationFailed as exc:
        return _page(
            "admin/routing_rules.html",
            422,
            rules=routing_rules.list_rules(),
            trial=trial,
            errors=messages.field_errors(exc.fields),
        )
    return _page(
        "admin/routing_rules.html",
        rules=routing_rules.list_rules(),
        trial=trial,
        errors={},
        decision=decision,
    )


@bp.route("/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/<int:rule_id>", methods=["GET", "POST"])
def rule(rule_id: int | None):
    item = _find(rule_id)
    if request.method == "GET":
        form = _form(item) if item else {"active": "1"}
        return _page("admin/routing_rule.html", form=form, errors={}, item=item)
    form = request.form.to_dict()
    form["assist"] = request.form.getlist("assist")
    try:
        routing_rules.save_rule(form, item, utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(
            "admin/routing_rule.html",
            422,
            form=form,
            errors=messages.field_errors(exc.fields),
            item=item,
        )
    flash(_("Saved."), "ok")
    return redirect(url_for("routing_admin.rules"))


@bp.post("/<int:rule_id>/move")
def move(rule_id: int):
    try:
        routing_rules.move_rule(_find(rule_id), request.form.get("direction", ""), utcnow())
    except ValidationFailed:
        abort(400)
    db.session.commit()
    return redirect(url_for("routing_admin.rules"))


@bp.post("/<int:rule_id>/active")
def set_active(rule_id: int):
    routing_rules.set_rule_active(_find(rule_id), request.form.get("active") == "1", utcnow())
    db.session.commit()
    return redirect(url_for("routing_admin.rules"))


def _find(rule_id: int | None) -> RoutingRule | None:
    if rule_id is None:
        return None
    try:
        return routing_rules.get_rule(rule_id)
    except NotFound:
        abort(404)


def _form(r: RoutingRule) -> dict:
    return {
        "position": str(r.position),
        "name": r.name,
        "active": "1" if r.active else "",
        "category": r.category.code if r.category else "",
        "keywords": r.keywords,
        "district": r.district,
        "channel": r.channel,
        "priority": r.priority,
        "department": r.department.code,
        "assist": [d.code for d in r.assists],
    }
