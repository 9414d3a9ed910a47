"""Open311 GeoReport v2 (对接): services from the category tree, service requests from cases.

A service is an active category (service_code = its code). A service request is a case
(service_request_id = its number), open until the hotline closes it. What a request shows
is chosen, not filtered (app/open311/mapping.py): never the caller's name or number, notes,
reasons or who handled it. Requests posted here are ordinary web cases (intake.register_case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_, Message
from app.models import Case, Category, Channel, RoutingRevision, Status
from app.models.enums import OPEN_STATUSES
from dispatch import directory, intake_keys, open311_keys, phones, settings
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import OUT_OF_RANGE, FieldErrors, clean_text, coordinates, in_calendar

CLOSED_STATUSES = (Status.CLOSED, Status.ARCHIVED)
MAX_REQUESTS = 1000  # the spec's default volume: 90 days or 1000 requests, the smaller
MAX_SPAN = timedelta(days=90)
DESCRIPTION_MAX = 4000  # the spec's limit for a description
# The service definition's attributes (the same for every service): code -> longest value.
ATTRIBUTES = {"district": 50}
# Intake's field names as Open311 calls them, for the errors of a refused POST.
OPEN311_NAMES = {
    "caller_phone": "phone",
    "caller_name": "first_name",
    "category": "service_code",
    "address": "address_string",
    "district": "attribute[district]",
    "latitude": "lat",
}


def public_status(case: Case) -> str:
    """'closed' once the hotline closed (or archived) the case, else 'open'."""
    return "closed" if case.status in CLOSED_STATUSES else "open"


def list_services() -> list[Category]:
    """The active categories, in code order, their parents loaded."""
    query = (
        select(Category)
        .options(selectinload(Category.parent))
        .where(Category.active.is_(True))
        .order_by(Category.code)
    )
    return list(db.session.scalars(query))


def services_changed_at() -> datetime | None:
    """When the category tree (or the routing rules) last changed: discovery's changeset."""
    return db.session.scalar(select(RoutingRevision.changed_at).where(RoutingRevision.id == 1))


def service(code: str) -> Category:
    """One active service by its code; raises NotFound."""
    try:
        return directory.category_by_code(code)
    except ValidationFailed as exc:
        raise NotFound(f"service_code {code} not found") from exc


@dataclass(frozen=True)
class RequestQuery:
    """GET requests' filters: ids (which override the rest), codes, a time range, statuses."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def parse_query(args: Mapping[str, str], now: datetime) -> RequestQuery:
    """The filters of GET requests, with the spec's defaults (the last 90 days).

    Raises ValidationFailed naming the bad argument."""
    errors = FieldErrors()
    ids = _listed(args, "service_request_id", errors)
    if ids:
        if len(ids) > MAX_REQUESTS:
            errors.add("service_request_id", Message("at most %(n)d ids", n=MAX_REQUESTS))
        errors.raise_if_any()
        return RequestQuery(ids=tuple(i.upper() for i in ids))
    codes = _listed(args, "service_code", errors)
    statuses = _listed(args, "status", errors)
    for status in statuses:
        if status not in ("open", "closed"):
            errors.add("status", N_("must be open or closed (comma delimited)"))
    start, end = _time(args, "start_date", errors), _time(args, "end_date", errors)
    errors.raise_if_any()
    start, end = _range(start, end, now, errors)
    known = {c.code for c in list_services()}
    for code in codes:
        if code not in known:
            errors.add("service_code", Message("unknown service_code %(code)s", code=code))
    errors.raise_if_any()
    return RequestQuery((), tuple(codes), start, end, tuple(statuses))


def _listed(args: Mapping[str, str], name: str, errors: FieldErrors) -> list[str]:
    """A comma-delimited argument; one given several times counts as one list."""
    given = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
    raw = clean_text(",".join(v for v in given if isinstance(v, str)))
    if raw is None or len(raw) > 30_000:
        errors.add(name, N_("not a valid value"))
        return []
    return [part.strip() for part in raw.split(",") if part.strip()]


def _time(args: Mapping[str, str], name: str, errors: FieldErrors) -> datetime | None:
    raw = clean_text(args.get(name) or "")
    if not raw or not raw.strip():
        if raw is None:
            errors.add(name, N_("not a valid value"))
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        errors.add(
            name, N_("must be a w3 datetime with its offset, e.g. 2026-11-01T00:00:00+08:00")
        )
        return None
    if not in_calendar(value):
        errors.add(name, OUT_OF_RANGE)
        return None
    return value


def _range(start, end, now: datetime, errors: FieldErrors) -> tuple[datetime, datetime]:
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        errors.add("end_date", N_("must not be before start_date"))
    elif end - start > MAX_SPAN:
        errors.add("end_date", N_("the range may not span more than 90 days"))
    errors.raise_if_any()
    return start, end


def find_requests(query: RequestQuery) -> list[Case]:
    """The cases the query names, newest first, at most MAX_REQUESTS."""
    stmt = select(Case).options(selectinload(Case.category), selectinload(Case.department))
    if query.ids:
        stmt = stmt.where(Case.number.in_(query.ids))
    else:
        stmt = stmt.where(Case.created_at >= query.start, Case.created_at <= query.end)
        if query.codes:
            stmt = stmt.join(Case.category).where(Category.code.in_(query.codes))
        if len(set(query.statuses)) == 1:
            wanted = OPEN_STATUSES if query.statuses[0] == "open" else CLOSED_STATUSES
            stmt = stmt.where(Case.status.in_(wanted))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)
    return list(db.session.scalars(stmt))


def find_request(number: str) -> Case:
    """One case by its number; raises NotFound."""
    cases = find_requests(RequestQuery(ids=(number.upper(),))) if len(number) <= 20 else []
    if not cases:
        raise NotFound(f"service_request_id {number} not found")
    return cases[0]


def submit(
    form: Mapping[str, str], now: datetime, idempotency_key: str | None = None
) -> intake_keys.Registration:
    """Register the case a client system posts (api_key checked first; its last use set),
    once per `idempotency_key` when the client sent one (dispatch/intake_keys.py: the
    same request again answers the case it registered).

    Raises NotAllowed (bad or missing api_key), NotFound (unknown service_code) or
    ValidationFailed (Open311 field names); writes nothing on error."""
    key = open311_keys.authenticate(form.get("api_key"), now)
    if not (form.get("service_code") or "").strip():
        raise ValidationFailed({"service_code": N_("is required")})
    category = service(form["service_code"].strip())
    data = _intake_data(form, category)
    sent = {name: value for name, value in form.items() if name != "api_key"}
    once = intake_keys.key_for(f"open311:{key.id}", idempotency_key, sent)
    try:
        return intake_keys.register(data, None, now, once, source=f"open311:{key.client_name}")
    except ValidationFailed as exc:
        fields = {OPEN311_NAMES.get(name, name): message for name, message in exc.fields.items()}
        raise ValidationFailed(fields) from exc


def _intake_data(form: Mapping[str, str], category: Category) -> dict:
    errors = FieldErrors()
    attributes = _attributes(form, errors)
    description = _text(form, "description", errors)
    if not description.strip():
        errors.add("description", N_("is required"))
    elif len(description) > DESCRIPTION_MAX:
        errors.add("description", Message("must be at most %(n)d characters", n=DESCRIPTION_MAX))
    data = {
        "channel": Channel.WEB,
        "caller_phone": _phone(form, errors),
        "caller_name": _name(_text(form, "first_name", errors), _text(form, "last_name", errors)),
        "category": category.code,
        "description": description,
        "address": _address(form, errors),
        "district": attributes.get("district", ""),
    }
    data["latitude"], data["longitude"] = coordinates(form, ("lat", "long"), errors, form=True)
    if not data["address"] and data["latitude"] is None and "lat" not in errors.errors:
        errors.add("address_string", N_("a location is required: lat and long, or address_string"))
    for name in ("email", "device_id", "account_id", "media_url", "address_id"):
        if len(_text(form, name, errors)) > 200:
            errors.add(name, N_("must be at most 200 characters"))
    errors.raise_if_any()
    return data


def _text(form: Mapping[str, str], name: str, errors: FieldErrors) -> str:
    value = clean_text(form.get(name) or "")
    if value is None:
        errors.add(name, N_("must be text"))
        return ""
    return value.strip()


def _phone(form: Mapping[str, str], errors: FieldErrors) -> str:
    raw = _text(form, "phone", errors)
    if not raw:
        errors.add("phone", N_("is required: the hotline calls or texts the reporter back"))
        return ""
    try:
        return phones.normalize(raw, settings.phone_region())
    except phones.InvalidPhone:
        errors.add("phone", N_("not a valid phone number"))
        return ""


def _name(first: str, last: str) -> str:
    """Chinese names are family name first (张 + 三); others 'first last'."""
    if first and last and all(_is_cjk(ch) for ch in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _address(form: Mapping[str, str], errors: FieldErrors) -> str:
    """The address as given, else the address id of the client's own address list."""
    address = _text(form, "address_string", errors) or _text(form, "address_id", errors)
    if len(address) > 200:
        errors.add("address_string", N_("must be at most 200 characters"))
    return address


def _attributes(form: Mapping[str, str], errors: FieldErrors) -> dict[str, str]:
    found = {}
    for name in form:
        if not name.startswith("attribute["):
            continue
        code = name.removeprefix("attribute[").removesuffix("]")
        if code not in ATTRIBUTES:
            errors.add(name, N_("not an attribute of this service"))
            continue
        value = _text(form, name, errors)
        if len(value) > ATTRIBUTES[code]:
            errors.add(name, Message("must be at most %(n)d characters", n=ATTRIBUTES[code]))
        found[code] = value
    return found
