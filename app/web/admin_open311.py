"""Administration of Open311 client systems (admins only): their api_keys, each key's last
use, issuing a key (shown once) and revoking one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import Role, utcnow
from app.web import messages
from dispatch import open311_keys
from dispatch.errors import NotFound, ValidationFailed

bp = Blueprint("admin_open311", __name__, url_prefix="/admin/open311")


@bp.before_request
@login_required
@roles_required(Role.ADMIN)
def _admins_only():
    return None


@bp.get("/")
def keys():
    return _page()


@bp.post("/")
def issue():
    form = {"name": request.form.get("name", "")}
    try:
        _row, key = open311_keys.issue_key(form["name"], utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(form=form, errors=messages.field_errors(exc.fields), status=422)
    # Shown in this answer only (never kept in the session): only its hash is stored.
    return _page(new_key=key, new_name=form["name"].strip())


@bp.post("/<int:key_id>/revoke")
def revoke(key_id: int):
    try:
        row = open311_keys.revoke(key_id, utcnow())
    except NotFound:
        abort(404)
    name = row.client_name
    db.session.commit()
    flash(_("The key of %(name)s is revoked.", name=name), "ok")
    return redirect(url_for("admin_open311.keys"))


def _page(*, form: dict | None = None, errors: dict | None = None, status: int = 200, **context):
    page = render_template(
        "admin/open311_keys.html",
        keys=open311_keys.list_keys(),
        form=form or {},
        errors=errors or {},
        **context,
    )
    return page, status
