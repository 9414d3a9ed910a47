"""Administration of what deadlines are counted on (admins only): the working-day
calendar's override dates with their CSV import, and the deadline policies."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import Role, utcnow
from app.web import messages
from dispatch import directory, holidays, policies, settings
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import whole_number

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin")


@bp.before_request
@login_required
@roles_required(Role.ADMIN)
def _admins_only():
    return None


@bp.get("/calendar")
def calendar():
    return _calendar_page(_year(request.args.get("year")), {}, {})


@bp.post("/calendar")
def add_override():
    form = request.form.to_dict()
    try:
        day = holidays.add_override(form, utcnow()).day
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _calendar_page(
            _year(form.get("date", "")[:4]), form, messages.field_errors(exc.fields)
        ), 422
    flash(_("Saved."), "ok")
    return redirect(url_for(".calendar", year=day.year))


@bp.post("/calendar/<day>/delete")
def remove_override(day: str):
    try:
        holidays.remove_override(day, utcnow())
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("Removed."), "ok")
    return redirect(url_for(".calendar", year=day[:4]))


@bp.post("/calendar/import")
def import_calendar():
    upload = request.files.get("file")
    try:
        done = holidays.import_csv(upload.read() if upload else b"", utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _calendar_page(
            _year(request.form.get("year")), {}, messages.field_errors(exc.fields)
        ), 422
    flash(
        _(
            "Imported: %(added)d added, %(updated)d updated.",
            added=done.added,
            updated=done.updated,
        ),
        "ok",
    )
    return redirect(url_for(".calendar", year=done.years[0]))


def _calendar_page(year: int, form: dict, errors: dict):
    this_year = utcnow().astimezone(settings.timezone()).year
    years = sorted({this_year, this_year + 1, year})
    return render_template(
        "admin/calendar.html",
        year=year,
        overrides=holidays.list_overrides(year),
        coverage=holidays.coverage(years),
        form=form,
        errors=errors,
    )


def _year(raw: str | None) -> int:
    year = whole_number(raw, holidays.FIRST_YEAR, holidays.LAST_YEAR)
    return year or utcnow().astimezone(settings.timezone()).year


@bp.get("/deadlines")
def deadline_policies():
    return _policies_page({}, {})


@bp.post("/deadlines")
def add_policy():
    form = request.form.to_dict()
    try:
        policies.save_policy(form, None, utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _policies_page(form, messages.field_errors(exc.fields)), 422
    flash(_("Saved."), "ok")
    return redirect(url_for(".deadline_policies"))


@bp.route("/deadlines/<int:policy_id>", methods=["GET", "POST"])
def policy(policy_id: int):
    item = _policy(policy_id)
    if request.method == "GET":
        return _policy_page(item, _policy_form(item), {})
    form = request.form.to_dict()
    try:
        policies.save_policy(form, item, utcnow())
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _policy_page(_policy(policy_id), form, messages.field_errors(exc.fields)), 422
    flash(_("Saved."), "ok")
    return redirect(url_for(".deadline_policies"))


@bp.post("/deadlines/<int:policy_id>/delete")
def delete_policy(policy_id: int):
    try:
        policies.delete_policy(policy_id, utcnow())
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("Removed."), "ok")
    return redirect(url_for(".deadline_policies"))


def _policies_page(form: dict, errors: dict):
    return render_template(
        "admin/deadlines.html",
        policies=policies.list_policies(),
        defaults=policies.defaults_in_force(),
        categories=directory.list_categories(),
        form=form,
        errors=errors,
    )


def _policy_page(item, form: dict, errors: dict):
    return render_template(
        "admin/deadline.html",
        item=item,
        categories=directory.list_categories(),
        form=form,
        errors=errors,
    )


def _policy(policy_id: int):
    try:
        return policies.get_policy(policy_id)
    except NotFound:
        abort(404)


def _policy_form(item) -> dict:
    return {
        "channel": item.channel or "",
        "priority": item.priority or "",
        "category": item.category.code if item.category else "",
        "reply_amount": str(item.reply_amount),
        "reply_unit": item.reply_unit,
        "onsite_hours": "" if item.onsite_hours is None else str(item.onsite_hours),
        "accept_minutes": "" if item.accept_minutes is None else str(item.accept_minutes),
        "note": item.note,
    }
