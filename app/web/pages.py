"""Home (by role), health check and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

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
    return redirect(local_path(request.args.get("next", "")))


def local_path(target: str) -> str:
    """`target` when it is a path of this site, else "/": never another site's address, as
    browsers read it (they take a backslash for a slash: /\\evil.example is another host)."""
    normal = target.replace("\\", "/")
    if not normal.startswith("/") or normal.startswith("//") or any(c < " " for c in target):
        return "/"
    parts = urlsplit(normal)
    return target if not parts.scheme and not parts.netloc else "/"
