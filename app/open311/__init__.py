"""Open311 GeoReport v2 at /open311/v2: reads are public, POST requests needs an api_key;
errors in the spec's shape (400 bad request, 403 api_key, 404 not found)."""

from __future__ import annotations

from flask import Blueprint

from app.extensions import csrf, db
from app.open311.formats import error_answer
from dispatch.errors import NotAllowed, NotFound, ValidationFailed

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed):
    db.session.rollback()
    return error_answer(400, [f"{name}: {message}" for name, message in exc.fields.items()])


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    db.session.rollback()
    return error_answer(404, [exc.message])


@bp.errorhandler(NotAllowed)
def _forbidden(exc: NotAllowed):
    db.session.rollback()
    return error_answer(403, [f"{exc.message} -- can't proceed with create_request"])


from app.open311 import views  # noqa: E402, F401  (routes on bp)
