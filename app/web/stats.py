"""统计分析: the dashboard, its CSV and XLSX export, and the printable monthly report, for
supervisors and administrators (a department handler sees their own department only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.models import Role, User, utcnow
from app.web import messages, stats_export, stats_pages, stats_period, stats_table
from dispatch import settings
from dispatch.errors import ValidationFailed
from dispatch.stats import GROUPINGS

bp = Blueprint("stats", __name__, url_prefix="/stats")

VIEWERS = (Role.SUPERVISOR, Role.ADMIN, Role.HANDLER)
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def own_department(user: User) -> int | None:
    """None for the whole hotline (supervisors, administrators); a handler's department."""
    if user.role != Role.HANDLER:
        return None
    if user.department_id is None:
        abort(403)
    return user.department_id


def _today():
    return utcnow().astimezone(settings.timezone()).date()


def _default_by(user: User) -> str:
    return "category" if user.role == Role.HANDLER else "department"


@bp.get("/")
@login_required
@roles_required(*VIEWERS)
def index():
    department_id = own_department(g.user)
    try:
        period = stats_period.parse(request.args, _today(), _default_by(g.user))
    except ValidationFailed as exc:
        return _refused("stats/index.html", exc)
    context = stats_pages.dashboard(period, utcnow(), department_id)
    return render_template("stats/index.html", form=period.query(), **_common(), **context)


@bp.get("/export.<kind>")
@login_required
@roles_required(*VIEWERS)
def export(kind: str):
    """The table shown on the dashboard, for the same query, as CSV or XLSX."""
    if kind not in TYPES:
        abort(404)
    department_id = own_department(g.user)
    try:
        period = stats_period.parse(request.args, _today(), _default_by(g.user))
    except ValidationFailed as exc:
        return _refused("stats/index.html", exc)
    lines = stats_pages.table(period, utcnow(), department_id)[2]
    name = f"12319-stats_{period.slug()}_by-{period.by}.{kind}"
    if kind == "csv":
        body = stats_export.to_csv(period.by, lines)
    else:
        title = _("Figures of %(start)s to %(end)s", start=period.start, end=period.end)
        body = stats_export.to_xlsx(period.by, lines, title)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=TYPES[kind], headers=headers)


@bp.get("/monthly")
@login_required
@roles_required(*VIEWERS)
def monthly():
    """月度报告: one month's figures, laid out to print on A4."""
    department_id = own_department(g.user)
    try:
        first = stats_period.parse_month(request.args.get("month"), _today())
    except ValidationFailed as exc:
        return _refused("stats/monthly.html", exc)
    context = stats_pages.monthly(first, utcnow(), department_id)
    return render_template("stats/monthly.html", **_common(), **context)


def _common() -> dict:
    return {
        "columns": stats_table.COLUMNS,
        "group_names": stats_table.GROUP_NAMES,
        "groupings": GROUPINGS,
        "definitions": stats_table.definitions(),
        "errors": {},
    }


def _refused(template: str, exc: ValidationFailed):
    """The page again with the query as typed and what is wrong with it; nothing else."""
    form = {name: request.args.get(name, "") for name in ("period", "from", "to", "by", "month")}
    context = {**_common(), "errors": messages.field_errors(exc.fields), "form": form}
    return render_template(template, **context), 400
