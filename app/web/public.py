"""The citizens' pages, without login: status lookup (查询) and web reports (网上报事)."""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app import ratelimit
from app.extensions import db
from app.models import Channel, utcnow
from app.ratelimit import RateLimited
from app.web.messages import translated
from dispatch import directory, intake_keys, tracking
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import FieldErrors, coordinates

bp = Blueprint("public", __name__)

REPORT_FIELDS = ("caller_phone", "caller_name", "category", "description", "address", "district")
# The form's key (dispatch/intake_keys.py): the report sent twice (a double tap, a resend
# on a poor connection) is registered once.
REPORT_KEY = "report_key"
LOCATION_FIELDS = ("latitude", "longitude")  # the phone's position, when the citizen shares it
RECEIPT = "public_receipt"  # the session key of the last report's number


@bp.errorhandler(RateLimited)
def _limited(exc: RateLimited):
    db.session.rollback()
    minutes = -(-exc.retry_after_seconds // 60)
    message = _("Too many requests. Please try again in %(minutes)s min.", minutes=minutes)
    page = _report_page if request.endpoint == "public.report" else _track_page
    answer, status = page({}, limited=message, status=429)
    return answer, status, {"Retry-After": str(exc.retry_after_seconds)}


@bp.get("/track")
def track():
    """The lookup form; with a number or digits in the query, the lookup itself."""
    args = request.args
    form = {"number": args.get("number", ""), "phone_last4": args.get("phone_last4", "")}
    if "phone_last4" not in args:
        return _track_page(form)
    ratelimit.limit_by_address("TRACK_RATE_LIMIT")
    try:
        found = tracking.look_up(form["number"], form["phone_last4"])
    except ValidationFailed as exc:
        return _track_page(form, errors=field_messages(exc), status=422)
    except NotFound:
        message = _("No case matches this number and these digits. Please check both.")
        return _track_page(form, not_found=message, status=404)
    return _track_page({}, case=found)


@bp.route("/report", methods=["GET", "POST"])
def report():
    if request.method == "GET":
        return _report_page({REPORT_KEY: intake_keys.form_key()})
    ratelimit.limit_by_address("REPORT_RATE_LIMIT")
    form = {name: request.form.get(name, "") for name in (*REPORT_FIELDS, *LOCATION_FIELDS)}
    sent_key = request.form.get(REPORT_KEY)
    try:
        key = intake_keys.key_for(intake_keys.PUBLIC, sent_key, form, field=REPORT_KEY)
        done = intake_keys.register(_report_data(form), None, utcnow(), key)
    except ValidationFailed as exc:
        db.session.rollback()
        # changed since it was sent: the next send is a report of its own
        form[REPORT_KEY] = intake_keys.form_key() if REPORT_KEY in exc.fields else sent_key
        return _report_page(form, errors=field_messages(exc), status=422)
    if not done.replayed:
        ratelimit.limit_by_phone("REPORT_PHONE_RATE_LIMIT", done.case.caller_phone)
    number = done.case.number
    db.session.commit()
    session[RECEIPT] = number
    return redirect(url_for("public.received"))


@bp.get("/report/received")
def received():
    """The receipt of the report this browser made last (nobody else's)."""
    number = session.get(RECEIPT)
    case = tracking.receipt(number) if number else None
    if case is None:
        return redirect(url_for("public.report"))
    return render_template("public/received.html", case=case)


def _report_data(form: dict) -> dict:
    """The intake's data from the report form; the shared position (text of degrees) as
    numbers. Raises ValidationFailed."""
    errors = FieldErrors()
    latitude, longitude = coordinates(form, LOCATION_FIELDS, errors, form=True)
    errors.raise_if_any()
    data = {name: form[name] for name in REPORT_FIELDS}
    return {**data, "channel": Channel.WEB, "latitude": latitude, "longitude": longitude}


def _track_page(form: dict, *, status: int = 200, errors: dict | None = None, **context):
    """The lookup page; the phone digits typed are never echoed back."""
    page = render_template("public/track.html", form=form, errors=errors or {}, **context)
    return page, status


def _report_page(form: dict, *, status: int = 200, errors: dict | None = None, **context):
    categories = [c for c in directory.list_categories() if c.active]
    page = render_template(
        "public/report.html", form=form, errors=errors or {}, categories=categories, **context
    )
    return page, status


def field_messages(exc: ValidationFailed) -> dict[str, str]:
    """The services' field errors in the page's language."""
    return {name: _field_message(message) for name, message in exc.fields.items()}


def _field_message(message: str) -> str:
    known = {
        "is required": _("Required."),
        "not a valid phone number": _("Not a valid phone number."),
        "unknown category": _("Please choose a category from the list."),
        "must be text": _("Not valid text."),
        "not a case number": _("Not a case number."),
        "must be the last four digits of the phone number": _(
            "Four digits: the end of the phone number given with the report."
        ),
    }
    if message in known:
        return known[message]
    longest = re.fullmatch(r"must be at most (\d+) characters", message)
    if longest:
        return _("At most %(count)s characters.", count=longest.group(1))
    return translated(message)
