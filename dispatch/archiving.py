"""批量备案: closed cases not yet archived, listed oldest first, and archived in bulk, each
through the lifecycle's archive action (so each gets its one history event). A case that is
no longer closed when its turn comes is skipped and reported, not an error for the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_, Message
from app.models import Action, Case, Status, User
from dispatch import cases, lifecycle, settings, transitions
from dispatch.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from dispatch.fields import OUT_OF_RANGE, in_calendar

BATCH = 200  # cases archived per transaction
MAX_SELECTED = 500


@dataclass
class ClosedPage:
    items: list[Case]
    total: int
    page: int
    per_page: int


@dataclass
class Outcome:
    """What a bulk archive did: the numbers archived, and (number, why) for those skipped."""

    archived: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.archived += other.archived
        self.skipped += other.skipped


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of `day` in the hotline's time zone ("closed before" a date)."""
    return datetime.combine(day, time(0), tzinfo=settings.timezone())


def parse_day(raw: object, name: str = "before") -> date:
    """A YYYY-MM-DD date; raises ValidationFailed."""
    try:
        day = date.fromisoformat(raw.strip() if isinstance(raw, str) else "")
    except ValueError as exc:
        raise ValidationFailed({name: N_("must be a date (YYYY-MM-DD)")}) from exc
    if not in_calendar(day):
        raise ValidationFailed({name: OUT_OF_RANGE})
    return day


def _closed(before: datetime | None):
    query = select(Case).where(Case.status == Status.CLOSED)
    return query.where(Case.closed_at < before) if before is not None else query


def closed_cases(before: datetime | None, page: int = 1, per_page: int = 50) -> ClosedPage:
    """One page of closed cases not yet archived (closed before `before`), oldest first."""
    query = _closed(before)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Case.category), selectinload(Case.department))
        .order_by(Case.closed_at, Case.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ClosedPage(list(items), total, page, per_page)


def archive_selected(numbers: list[str], actor: User, now: datetime) -> Outcome:
    """Archive the cases with these numbers (one transaction: the caller commits); raises
    NotAllowed for a role that does not archive, ValidationFailed for none or too many."""
    _check_role(actor)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if isinstance(n, str) and n.strip()))
    if not wanted:
        raise ValidationFailed({"number": N_("choose at least one case")})
    if len(wanted) > MAX_SELECTED:
        raise ValidationFailed({"number": Message("at most %(n)d cases at once", n=MAX_SELECTED)})
    return _archive_each(wanted, actor, now)


Cursor = tuple[datetime, int]


def archive_batch_before(
    before: datetime,
    actor: User,
    now: datetime,
    after: Cursor | None = None,
    limit: int | None = None,
) -> tuple[Outcome, Cursor | None]:
    """Archive the next `limit` cases closed before `before` (after the cursor), oldest
    first; returns what it did and the cursor for the next batch (None: no more). The caller
    commits each batch. Raises NotAllowed for a role that does not archive."""
    _check_role(actor)
    limit = limit or BATCH
    query = select(Case.number, Case.closed_at, Case.id).where(
        Case.status == Status.CLOSED, Case.closed_at < before
    )
    if after is not None:
        at, last_id = after
        query = query.where(or_(Case.closed_at > at, and_(Case.closed_at == at, Case.id > last_id)))
    rows = db.session.execute(query.order_by(Case.closed_at, Case.id).limit(limit)).all()
    outcome = _archive_each([number for number, _, _ in rows], actor, now)
    cursor = (rows[-1][1], rows[-1][2]) if len(rows) == limit else None
    return outcome, cursor


def _archive_each(numbers: list[str], actor: User, now: datetime) -> Outcome:
    outcome = Outcome()
    for number in numbers:
        try:
            case = cases.get_visible(number, actor, for_update=True)
            lifecycle.act(case, Action.ARCHIVE, actor, now)
        except NotFound:
            outcome.skipped.append((number, N_("no such case")))
        except (InvalidTransition, NotAllowed) as exc:  # changed meanwhile: checked first,
            outcome.skipped.append((number, exc.message))  # so nothing of it was written
        else:
            outcome.archived.append(number)
    return outcome


def _check_role(actor: User) -> None:
    if actor.role not in transitions.TRANSITIONS[Action.ARCHIVE].roles:
        raise NotAllowed(Message("role %(role)s may not archive cases", role=actor.role))
