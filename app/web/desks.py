"""The desks: the operator's live board, the department's queues, the supervisor's desk."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_login import login_required

from app.auth import roles_required
from app.models import Role, utcnow
from dispatch import desks, directory, pauses, review, supervision

bp = Blueprint("desks", __name__, url_prefix="/desk")


@bp.get("/board")
@login_required
@roles_required(Role.OPERATOR, Role.SUPERVISOR)
def board():
    now = utcnow()
    return render_template(
        "desks/board.html",
        queues=desks.operator_queues(now),
        counters=desks.counters(now),
        departments=directory.list_departments(),
    )


@bp.get("/counters")
@login_required
@roles_required(Role.OPERATOR, Role.SUPERVISOR)  # the board's: the whole hotline's figures
def counters():
    return desks.counters(utcnow())


@bp.get("/department")
@login_required
@roles_required(Role.HANDLER)
def department():
    return render_template(
        "desks/department.html", queues=desks.department_queues(g.user, utcnow())
    )


@bp.get("/supervisor")
@login_required
@roles_required(Role.SUPERVISOR)
def supervisor():
    now = utcnow()
    return render_template(
        "desks/supervisor.html",
        notices=supervision.open_notices(),
        overdue=supervision.overdue_by_department(now),
        returned=supervision.repeatedly_returned(),
        extensions=supervision.pending_extensions(),
        paused=pauses.paused_cases(),
        returns=supervision.returns_by_department(now),
        reworks=review.reworks_by_department(now),
        counters=desks.counters(now),
    )
