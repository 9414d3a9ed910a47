"""批量备案: the page where operators and supervisors archive closed cases in bulk."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import Role, utcnow
from app.web import messages
from dispatch import archiving
from dispatch.errors import ValidationFailed
from dispatch.fields import whole_number

bp = Blueprint("archiving", __name__, url_prefix="/desk/archive")
ROLES = (Role.OPERATOR, Role.SUPERVISOR)
MAX_PAGE = 99_999


@bp.get("/")
@login_required
@roles_required(*ROLES)
def index():
    raw, before, status = request.args.get("before", ""), None, 200
    if raw:
        try:
            before = archiving.parse_day(raw)
        except ValidationFailed:
            flash(_("Closed before: give a date like 2026-11-01."), "error")
            raw, status = "", 422
    page = whole_number(request.args.get("page"), 1, MAX_PAGE) or 1
    since = archiving.start_of_local_day(before) if before else None
    listed = archiving.closed_cases(since, page)
    return render_template("desks/archive.html", page=listed, before=raw), status


@bp.post("/selected")
@login_required
@roles_required(*ROLES)
def selected():
    try:
        outcome = archiving.archive_selected(request.form.getlist("number"), g.user, utcnow())
        db.session.commit()
    except ValidationFailed:
        db.session.rollback()
        flash(_("Choose at least one case (at most 500)."), "error")
        return redirect(url_for("archiving.index", before=request.form.get("before", "")))
    return _report(outcome, request.form.get("before", ""))


@bp.post("/before")
@login_required
@roles_required(*ROLES)
def before():
    try:
        day = archiving.parse_day(request.form.get("before"))
    except ValidationFailed:
        flash(_("Closed before: give a date like 2026-11-01."), "error")
        return redirect(url_for("archiving.index"))
    outcome, cursor, now = archiving.Outcome(), None, utcnow()
    while True:  # one transaction a batch: a long run holds no lock for long
        done, cursor = archiving.archive_batch_before(
            archiving.start_of_local_day(day), g.user, now, cursor
        )
        db.session.commit()
        outcome.add(done)
        if cursor is None:
            return _report(outcome, day.isoformat())


def _report(outcome: archiving.Outcome, before: str):
    flash(_("Archived %(count)d cases.", count=len(outcome.archived)), "ok")
    for number, why in outcome.skipped:
        flash(
            _("Skipped %(number)s: %(why)s", number=number, why=messages.translated(why)), "error"
        )
    return redirect(url_for("archiving.index", before=before))
