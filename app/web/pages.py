"""Home (by role), health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, request, session, url_for

from app.models import Role

bp = Blueprint("pages", __name__)

HOME_BY_ROLE = {
    Role.OPERATOR: "desks.board",
    Role.HANDLER: "desks.department",
    Role.SUPERVISOR: "desks.supervisor",
    Role.ADMIN: "admin.departments",
}


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/")
def home():
    if g.user is None:
        return redirect(url_for("sessions.login"))
    return redirect(url_for(HOME_BY_ROLE[g.user.role]))


@bp.get("/lang/<code>")
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
