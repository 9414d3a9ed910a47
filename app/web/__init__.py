"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, g, request

from app import auth
from app.sqlite import set_write_intent
from app.web import filters

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def register(app: Flask) -> None:
    from app.web import admin, cases, desks, pages, sessions

    @app.before_request
    def _who_and_how():
        set_write_intent(request.method not in SAFE_METHODS)
        g.user = auth.session_user()

    filters.init_app(app)
    for module in (pages, sessions, cases, desks, admin):
        app.register_blueprint(module.bp)
