"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, g

from app import auth
from app.web import filters


def register(app: Flask) -> None:
    from app.web import (
        admin,
        admin_calendar,
        admin_sms,
        cases,
        desks,
        pages,
        public,
        routing_admin,
        sessions,
    )

    @app.before_request
    def _who():
        g.user = auth.session_user()

    filters.init_app(app)
    blueprints = (pages, sessions, cases, desks, admin, admin_calendar, admin_sms, routing_admin)
    for module in (*blueprints, public):
        app.register_blueprint(module.bp)
