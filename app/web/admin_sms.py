"""Administration of text messages (admins only): the outbox with failed messages to send
again and each message's delivery reports, and the wording of the SMS templates with a
preview."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, Role, utcnow
from app.web.messages import field_errors
from dispatch.errors import ValidationFailed
from notifications import delivery, outbox, templates

bp = Blueprint("admin_sms", __name__, url_prefix="/admin/sms")


@bp.before_request
@login_required
@roles_required(Role.ADMIN)
def _admins_only():
    return None


@bp.get("/")
def messages():
    status = request.args.get("status") or None
    if status is not None and status not in set(OutboxStatus):
        abort(404)
    return render_template(
        "admin/sms_messages.html",
        messages=outbox.listing(status),
        counts=outbox.counts(),
        status=status,
        statuses=list(OutboxStatus),
        templates=templates.TEMPLATES,
    )


@bp.get("/<int:message_id>")
def message(message_id: int):
    row = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template(
        "admin/sms_message.html",
        m=row,
        reports=delivery.history(row),
        templates=templates.TEMPLATES,
    )


@bp.post("/<int:message_id>/retry")
def retry(message_id: int):
    db.session.get(OutboxMessage, message_id) or abort(404)
    try:
        delivery.retry_failed(message_id, utcnow())
        db.session.commit()
    except ValueError:
        db.session.rollback()
        flash(_("Only a failed message can be sent again."), "error")
        return redirect(url_for("admin_sms.message", message_id=message_id)), 303
    flash(_("The message will be sent again."), "ok")
    return redirect(url_for("admin_sms.message", message_id=message_id)), 303


@bp.get("/templates")
def template_list():
    rows = [(t, templates.wording(t.name), templates.preview(t.name)) for t in _templates()]
    return render_template("admin/sms_templates.html", rows=rows, segments=templates.segments)


@bp.route("/templates/<name>", methods=["GET", "POST"])
def template(name: str):
    item = templates.TEMPLATES.get(name) or abort(404)
    body = request.form.get("body", templates.wording(name))
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action == "reset":
                templates.reset(name)
                db.session.commit()
                flash(_("Back to the built-in wording."), "ok")
                return redirect(url_for("admin_sms.template_list")), 303
            checked = templates.check(name, body)
            if action == "save":
                templates.save(name, checked, utcnow())
                db.session.commit()
                flash(_("Saved."), "ok")
                return redirect(url_for("admin_sms.template_list")), 303
        except ValidationFailed as exc:
            db.session.rollback()
            errors = field_errors(exc.fields)
    preview = None if errors else templates.preview(name, body)
    return render_template(
        "admin/sms_template.html",
        item=item,
        body=body,
        errors=errors,
        preview=preview,
        segments=templates.segments,
    ), (422 if errors else 200)


def _templates() -> list[templates.Template]:
    return list(templates.TEMPLATES.values())
