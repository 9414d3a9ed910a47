"""Login, logout, and one's own password (修改密码)."""

from __future__ import annotations

import math

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from app import logins
from app.extensions import db
from app.models import User, utcnow
from app.ratelimit import RateLimited, count_failed_login, refuse_login_if_over
from app.web import messages
from dispatch import directory
from dispatch.errors import ValidationFailed
from dispatch.fields import clean_text

bp = Blueprint("sessions", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html")
    username = request.form.get("username", "").strip()
    user = None
    if clean_text(username) is not None and len(username) <= 64:
        try:
            refuse_login_if_over(username)  # before the password is tried
        except RateLimited as exc:
            return _too_many_failures(exc, "auth/login.html", username=username)
        user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(request.form.get("password", "")):
        if clean_text(username) is not None:
            count_failed_login(username[:64])
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", username=username), 401
    now = utcnow()
    logins.end(session.get(logins.SESSION_KEY), now)  # this browser's login before, if any
    session[logins.SESSION_KEY] = logins.begin(user, now)
    db.session.commit()
    login_user(user)
    return redirect(url_for("pages.home"))


@bp.post("/logout")
def logout():
    logins.end(session.pop(logins.SESSION_KEY, None), utcnow())
    db.session.commit()
    logout_user()
    flash(_("Logged out. This browser's session has ended."), "ok")
    return redirect(url_for("sessions.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    try:  # a guess at the current password counts as a failed login of the name
        refuse_login_if_over(g.user.username)
    except RateLimited as exc:
        return _too_many_failures(exc, "auth/password.html", errors={})
    form = request.form.to_dict()
    try:
        directory.change_password(g.user, form, utcnow(), session.get(logins.SESSION_KEY))
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        if "current_password" in exc.fields:
            count_failed_login(g.user.username)
        errors = messages.field_errors(exc.fields)
        return render_template("auth/password.html", errors=errors), 422
    flash(_("Password changed. Your logins elsewhere have ended."), "ok")
    return redirect(url_for("pages.home"))


def _too_many_failures(exc: RateLimited, template: str, **context):
    """The form again, saying when to try again (429 with Retry-After)."""
    minutes = math.ceil(exc.retry_after_seconds / 60)
    flash(_("Too many failed logins: try again in %(n)d min.", n=minutes), "error")
    page = render_template(template, **context)
    return page, 429, {"Retry-After": str(exc.retry_after_seconds)}
