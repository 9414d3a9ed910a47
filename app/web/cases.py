"""Case pages: the list with filters, intake (登记), the caller lookup, detail and actions."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import roles_required
from app.extensions import db
from app.models import Action, Channel, Priority, Role, utcnow
from app.web import history, messages
from app.web.filters import ACTION_NAMES
from dispatch import (
    attachments,
    cases,
    directory,
    duplicates,
    intake_keys,
    lifecycle,
    phones,
    settings,
    transitions,
)
from dispatch.errors import Duplicate, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from dispatch.fields import whole_number

bp = Blueprint("cases", __name__, url_prefix="/cases")
INTAKE_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
# The intake form's key (dispatch/intake_keys.py): the same form sent twice registers once.
INTAKE_KEY = "intake_key"
MAX_PAGE = 99_999


@bp.get("/")
@login_required
def index():
    wanted = _filter()
    try:
        page = cases.search(g.user, wanted, utcnow(), settings.phone_region())
    except ValidationFailed as exc:
        flash(messages.summary(exc.fields), "error")
        page = cases.CasePage([], 0, 1, wanted.per_page)
    return render_template(
        "cases/list.html",
        page=page,
        wanted=wanted,
        departments=directory.list_departments(),
        categories=directory.list_categories(),
    )


def _filter() -> cases.CaseFilter:
    args = request.args
    return cases.CaseFilter(
        status=args.get("status") or None,
        department=args.get("department") or None,
        category=args.get("category") or None,
        phone=args.get("phone") or None,
        q=(args.get("q") or "").strip()[:200] or None,
        overdue=args.get("overdue") == "1",
        page=whole_number(args.get("page"), 1, MAX_PAGE) or 1,
        per_page=50,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(*INTAKE_ROLES)
def new():
    form = (
        request.form.to_dict()
        if request.method == "POST"
        else {"caller_phone": request.args.get("phone", ""), "channel": "phone"}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            answer = (form.get("answer") or "").strip()  # a consultation answered on the call
            sent = {k: v for k, v in form.items() if k not in ("csrf_token", INTAKE_KEY)}
            owner = intake_keys.owner_of(g.user)
            key = intake_keys.key_for(owner, form.get(INTAKE_KEY), sent, field=INTAKE_KEY)
            done = intake_keys.register(form, g.user, utcnow(), key, answer=answer)
            db.session.commit()
            number = done.case.number
            if done.replayed:  # sent twice (a double click, the browser's back and resend)
                flash(_("Case %(number)s was registered from this form already.", number=number))
            else:
                flash(_("Case %(number)s registered.", number=number), "ok")
            return redirect(url_for("cases.detail", number=number))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = messages.field_errors(exc.fields)
        except Duplicate as exc:  # this hotline's reference came in before
            db.session.rollback()
            errors = {"external_ref": messages.translated(exc.message)}
        except (InvalidTransition, NotAllowed) as exc:  # a supervisor does not answer calls
            db.session.rollback()
            errors = {"answer": messages.translated(exc.message)}
    if INTAKE_KEY in errors or not form.get(INTAKE_KEY):
        form[INTAKE_KEY] = intake_keys.form_key()  # this form, changed, registers a case of its own
    return render_template(
        "cases/new.html",
        form=form,
        errors=errors,
        channels=list(Channel),
        priorities=list(Priority),
        categories=directory.list_categories(),
    ), (422 if errors else 200)


@bp.get("/caller")
@login_required
@roles_required(*INTAKE_ROLES)
def caller():
    """Beside the intake form: possible duplicates (the same number, or the same address
    and category, within 30 days) and the earlier cases of the number."""
    try:
        phone = phones.normalize(request.args.get("phone", ""), settings.phone_region())
    except phones.InvalidPhone:
        phone = None
    category = _category(request.args.get("category"))
    address = duplicates.normalize_address(request.args.get("address", ""))[:200]
    found = duplicates.suggest(
        g.user, phone=phone, address=address, category=category, until=utcnow()
    )
    earlier = cases.earlier_cases(phone) if phone else []
    return render_template("cases/_caller.html", phone=phone, earlier=earlier, suggestions=found)


def _category(code: str | None):
    try:
        return directory.category_by_code(code) if code else None
    except ValidationFailed:
        return None


@bp.get("/<number>")
@login_required
def detail(number: str):
    case = _visible(number)
    departments = directory.list_departments()
    return render_template(
        "cases/detail.html",
        case=case,
        actions=transitions.allowed_actions(case, g.user),
        departments=departments,
        files=attachments.of_case(case),
        suggestions=_suggestions(case),
        history=history.timeline(case.events, departments),
    )


def _suggestions(case) -> list[duplicates.Suggestion]:
    """Possible originals, for those who link duplicates, while the case may be linked."""
    if g.user.role not in INTAKE_ROLES or not transitions.may(case, Action.MARK_DUPLICATE, g.user):
        return []
    return duplicates.for_case(case, g.user)


@bp.post("/<number>/<action>")
@login_required
def act(number: str, action: str):
    try:
        chosen = lifecycle.action_from_name(action)
        case = cases.get_visible(number, g.user, for_update=True)
        files = attachments.check(_uploads()) if chosen == Action.REPLY else []
        now = utcnow()
        lifecycle.act(case, chosen, g.user, now, _params(chosen))
        if files:
            db.session.flush()
            attachments.store(case, files, lifecycle.last_event(case), g.user, now)
        db.session.commit()
        flash(_("Done: %(action)s.", action=ACTION_NAMES.get(chosen, action)), "ok")
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(messages.summary(exc.fields), "error")
    except (InvalidTransition, NotAllowed) as exc:
        db.session.rollback()
        flash(messages.translated(exc.message), "error")
    return redirect(url_for("cases.detail", number=number))


@bp.get("/<number>/attachments/<int:attachment_id>")
@login_required
def attachment(number: str, attachment_id: int):
    try:
        case = cases.get_visible(number, g.user)
        row, path = attachments.find(case, attachment_id)
    except NotFound:
        abort(404)
    answer = send_file(
        path,
        mimetype=row.content_type,
        download_name=row.filename,
        as_attachment=row.content_type == "application/pdf",
    )
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer


def _uploads() -> list[attachments.Upload]:
    return [
        attachments.Upload(f.filename or "", f.read())
        for f in request.files.getlist(attachments.FIELD)
        if f.filename
    ]


def _params(action) -> dict:
    params = request.form.to_dict()
    params.pop("csrf_token", None)
    if "assist" in request.form:
        params["assist"] = request.form.getlist("assist")
    for name in ("until", "answer_by"):  # <input type=datetime-local> has no offset: local
        params[name] = _with_offset(params.get(name, ""))
    if "satisfied" in params:  # the callback form's two radio buttons; else the service refuses
        params["satisfied"] = {"true": True, "false": False}.get(params["satisfied"])
    return params


def _with_offset(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.timezone())
    return moment.isoformat()


def _visible(number: str):
    try:
        return cases.get_visible(number, g.user)
    except NotFound:
        abort(404)
