"""Administration (admins only): departments, categories, users."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import audit, auth
from app.auth import roles_required
from app.extensions import db
from app.models import Category, Department, Role, utcnow
from app.web import messages
from dispatch import directory
from dispatch.errors import NotFound, ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
@roles_required(Role.ADMIN)
def _admins_only():
    return None


def _save(save, form: dict, existing, template: str, back: str, **context):
    try:
        save(form, existing)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template(
            template, form=form, errors=messages.field_errors(exc.fields), item=existing, **context
        ), 422
    flash(_("Saved."), "ok")
    return redirect(url_for(back))


@bp.get("/departments")
def departments():
    return render_template("admin/departments.html", departments=directory.list_departments())


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/departments/<code>", methods=["GET", "POST"])
def department(code: str | None):
    item = _find(Department, code)
    if request.method == "GET":
        form = _department_form(item) if item else {"active": "1"}
        return render_template("admin/department.html", form=form, errors={}, item=item)
    return _save(
        directory.save_department,
        request.form.to_dict(),
        item,
        "admin/department.html",
        "admin.departments",
    )


@bp.get("/categories")
def categories():
    return render_template("admin/categories.html", categories=_tree())


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/categories/<code>", methods=["GET", "POST"])
def category(code: str | None):
    item = _find(Category, code)
    context = {
        "categories": directory.list_categories(),
        "departments": directory.list_departments(),
    }
    if request.method == "GET":
        form = _category_form(item) if item else {"active": "1"}
        return render_template("admin/category.html", form=form, errors={}, item=item, **context)
    return _save(
        directory.save_category,
        request.form.to_dict(),
        item,
        "admin/category.html",
        "admin.categories",
        **context,
    )


@bp.get("/audit")
def audit_log():
    before = request.args.get("before", type=int)
    entries = audit.recent(before)
    older = entries[-1].id if len(entries) == audit.PAGE_SIZE else None
    return render_template("admin/audit.html", entries=entries, older=older)


@bp.get("/users")
def users():
    return _users_page({}, {})


def _users_page(form: dict, errors: dict) -> str:
    return render_template(
        "admin/users.html",
        users=directory.list_users(),
        departments=directory.list_departments(),
        tokens=auth.live_token_counts(),
        form=form,
        errors=errors,
    )


@bp.post("/users/<username>/tokens/revoke")
def revoke_tokens(username: str):
    user = _user_or_404(username)
    done = auth.revoke_tokens(user, utcnow())
    db.session.commit()
    flash(_("%(n)d API token(s) of %(name)s revoked.", n=done, name=user.username), "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users")
def create_user():
    form = request.form.to_dict()
    try:
        directory.create_user(form, temporary_password=True)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _users_page(form, messages.field_errors(exc.fields)), 422
    flash(_("User %(name)s created.", name=form.get("username")), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/password", methods=["GET", "POST"])
def reset_password(username: str):
    user = _user_or_404(username)
    if request.method == "GET":
        return render_template("admin/user_password.html", item=user, errors={})
    try:
        directory.reset_password(user, request.form.to_dict(), utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        errors = messages.field_errors(exc.fields)
        return render_template("admin/user_password.html", item=user, errors=errors), 422
    flash(_("Password of %(name)s reset; their logins have ended.", name=user.username), "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/active")
def set_active(username: str):
    try:
        directory.set_user_active(username, request.form.get("active") == "1", utcnow())
        db.session.commit()
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(messages.summary(exc.fields), "error")
        return _users_page({}, {}), 409
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/edit", methods=["GET", "POST"])
def edit_user(username: str):
    user = _user_or_404(username)
    if request.method == "GET":
        form = {
            "display_name": user.display_name,
            "role": user.role,
            "department": user.department.code if user.department else "",
            "phone": user.phone or "",
        }
        return _user_page(user, form, {})
    form = request.form.to_dict()
    try:
        directory.update_user(user, form)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _user_page(user, form, messages.field_errors(exc.fields)), 422
    flash(_("User %(name)s saved.", name=username), "ok")
    return redirect(url_for("admin.users"))


def _user_or_404(username: str):
    try:
        return directory.user_named(username)
    except NotFound:
        abort(404)


def _user_page(user, form: dict, errors: dict) -> str:
    departments = directory.list_departments()
    return render_template(
        "admin/user.html", item=user, departments=departments, form=form, errors=errors
    )


def _find(model, code: str | None):
    if code is None:
        return None
    if len(code) > 32 or "\x00" in code:
        abort(404)
    item = db.session.query(model).filter_by(code=code).first()
    if item is None:
        abort(404)
    return item


def _department_form(d: Department) -> dict:
    return {
        "code": d.code,
        "name": d.name,
        "name_en": d.name_en,
        "oncall_phone": d.oncall_phone or "",
        "head_phone": d.head_phone or "",
        "active": "1" if d.active else "",
    }


def _category_form(c: Category) -> dict:
    return {
        "code": c.code,
        "name": c.name,
        "name_en": c.name_en,
        "parent": c.parent.code if c.parent else "",
        "default_department": c.default_department.code if c.default_department else "",
        "is_emergency": "1" if c.is_emergency else "",
        "active": "1" if c.active else "",
    }


def _tree() -> list[tuple[int, Category]]:
    """Categories in tree order with their depth."""
    everything = directory.list_categories()
    children: dict[int | None, list[Category]] = {}
    for cat in everything:
        children.setdefault(cat.parent_id, []).append(cat)
    ordered: list[tuple[int, Category]] = []

    def walk(parent_id, depth):
        for cat in children.get(parent_id, []):
            ordered.append((depth, cat))
            walk(cat.id, depth + 1)

    walk(None, 0)
    return ordered
