"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app import auth
from app.web import filters

# What a user whose password an administrator set may open before changing it.
PASSWORD_FIRST_ALLOWED = {"sessions.change_password", "sessions.logout", "pages.language", "static"}
PUBLIC_BLUEPRINTS = {"public", "public_stats"}  # the citizens' pages


def register(app: Flask) -> None:
    from app.web import (
        admin,
        admin_calendar,
        admin_open311,
        admin_sms,
        archiving,
        cases,
        desks,
        pages,
        public,
        public_stats,
        routing_admin,
        sessions,
        stats,
    )

    @app.before_request
    def _who():
        if request.blueprint == "api":  # the API authenticates on its own (app/api)
            return
        g.user = auth.session_user()
        if g.user is not None and g.user.password_change_required:
            return _password_first()

    def _password_first():
        """A password an administrator set is changed before any other page."""
        if request.endpoint in PASSWORD_FIRST_ALLOWED or request.blueprint in PUBLIC_BLUEPRINTS:
            return None
        flash(_("Change the password the administrator gave you first."), "error")
        return redirect(url_for("sessions.change_password"))

    def _room_for_attachments() -> None:
        """A case action may carry reply attachments: a larger body than elsewhere (set
        before the CSRF check reads the form)."""
        if request.endpoint == "cases.act":
            files = app.config["ATTACHMENT_MAX_BYTES"] * app.config["ATTACHMENTS_PER_REPLY"]
            request.max_content_length = files + 2**20

    app.before_request_funcs.setdefault(None, []).insert(0, _room_for_attachments)

    filters.init_app(app)
    blueprints = (
        pages,
        sessions,
        cases,
        desks,
        archiving,
        admin,
        admin_calendar,
        admin_sms,
        admin_open311,
        routing_admin,
    )
    for module in (*blueprints, stats, public, public_stats):
        app.register_blueprint(module.bp)
