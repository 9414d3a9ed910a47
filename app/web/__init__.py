"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, g, request

from app import auth
from app.web import filters


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
