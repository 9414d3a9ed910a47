"""Login and logout."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.ratelimit import RateLimited, count_failed_login, refuse_login_if_over
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
            minutes = math.ceil(exc.retry_after_seconds / 60)
            flash(_("Too many failed logins: try again in %(n)d min.", n=minutes), "error")
            page = render_template("auth/login.html", username=username)
            return page, 429, {"Retry-After": str(exc.retry_after_seconds)}
        user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(request.form.get("password", "")):
        if clean_text(username) is not None:
            count_failed_login(username[:64])
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", username=username), 401
    login_user(user)
    return redirect(url_for("pages.home"))


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("sessions.login"))
