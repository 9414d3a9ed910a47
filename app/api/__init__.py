"""JSON API v1: bearer tokens or the web session; errors in one JSON shape."""

from __future__ import annotations

import json

from flask import Blueprint, g, request
from werkzeug.exceptions import BadRequest

from app import auth
from app.errors import json_error
from app.extensions import csrf, db
from dispatch.errors import Duplicate, InvalidTransition, NotAllowed, NotFound, ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi", "api.track"}


@bp.before_request
def authenticate():
    g.user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = auth.bearer_token()
    if token is not None:
        g.user = auth.user_for_token(token)
    elif request.headers.get("Authorization"):
        g.user = None
    else:
        g.user = auth.session_user()
        if g.user is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()  # a browser session must prove the request is its own
    if g.user is None:
        return json_error(401, "unauthorized", "a valid API token or login is required")
    return None


def json_body() -> dict:
    """The request's JSON object; 400 when it is not one."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("malformed JSON body") from exc
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed):
    db.session.rollback()
    return json_error(422, exc.code, exc.message, fields=exc.fields)


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    db.session.rollback()
    return json_error(404, exc.code, exc.message)


@bp.errorhandler(InvalidTransition)
def _conflict(exc: InvalidTransition):
    db.session.rollback()
    return json_error(409, exc.code, exc.message)


@bp.errorhandler(Duplicate)
def _duplicate(exc: Duplicate):
    db.session.rollback()
    return json_error(409, exc.code, exc.message, case=exc.number)


@bp.errorhandler(NotAllowed)
def _forbidden(exc: NotAllowed):
    db.session.rollback()
    status = 409 if request.endpoint == "api.case_action" else 403
    return json_error(status, exc.code, exc.message)


from app.api import cases, changes, openapi, reference, track  # noqa: E402, F401  (routes on bp)
