"""Error answers: JSON under /api and /open311, a page elsewhere; database outages are 503."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


# The error pages' headings and explanations in the page's language (werkzeug's names of
# the statuses are English).
PAGE_TITLES = {
    400: lazy_gettext("Bad request"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("This address does not take that request"),
    413: lazy_gettext("Too large"),
    429: lazy_gettext("Too many requests"),
}
PAGE_EXPLANATIONS = {
    403: lazy_gettext("Your role may not open this page."),
    404: lazy_gettext("Not found, or not visible to you."),
    413: lazy_gettext("What was sent is larger than the hotline takes."),
    429: lazy_gettext("Too many requests from here: wait a little and try again."),
}
CSRF_EXPLANATION = lazy_gettext(
    "The form was open too long or came from another page: go back, reload it and send it again."
)


def error_page(exc: HTTPException):
    """The error page of `exc`, headed and explained in the page's language."""
    status = exc.code or 500
    title = PAGE_TITLES.get(status, lazy_gettext("Something went wrong."))
    explanation = CSRF_EXPLANATION if isinstance(exc, CSRFError) else PAGE_EXPLANATIONS.get(status)
    return render_template("error.html", title=title, explanation=explanation), status


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or request.is_json


def is_open311() -> bool:
    return request.path.startswith("/open311/")


def open311_error(status: int, description: str):
    """An error in GeoReport v2's shape (a list of code and description)."""
    from app.open311.formats import error_answer

    return error_answer(status, [description])


def json_error(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_open311():  # the spec: 404, 403, else 400 for whatever a client got wrong
            status = exc.code or 500
            if status < 500 and status not in (403, 404):
                status = 400
            return open311_error(status, exc.description or exc.name)
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            return json_error(exc.code or 500, code, exc.description or exc.name)
        return error_page(exc)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_down(exc: Exception):
        _rollback_quietly()
        log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return _unavailable()

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        _rollback_quietly()
        if exc.connection_invalidated:
            return _unavailable()
        raise exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        _rollback_quietly()
        log.exception("unexpected error")
        if is_open311():
            return open311_error(500, "internal error")
        if wants_json():
            return json_error(500, "internal_error", "internal error")
        return render_template("error.html", title=None), 500


def _unavailable():
    if is_open311():
        response, status = open311_error(503, "the database is unavailable, try again"), 503
    elif wants_json():
        response, status = json_error(503, "unavailable", "the database is unavailable, try again")
    else:
        response, status = render_template("error.html", title=None, unavailable=True), 503
    return response, status, {"Retry-After": "5"}


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is discarded at teardown
        log.debug("rollback failed", exc_info=True)
