"""The category tree (事项分类) and the departments as this process keeps them, so that an
intake finds its category, the category's ancestors and their departments without a query.

A snapshot holds detached copies of every category and department. It is good for one
routing revision: every change to the tree or to a department raises it
(routing.note_change), and each process reads it at most every REFERENCE_CHECK_SECONDS;
a change to a category or a department flushed by this process drops the snapshot at once.
The copies join the request's session one by one (a merge without a load: no query, no
cascade); an instance the session holds already is used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Category, Department
from dispatch import routing

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    revision: int
    categories: dict[str, Category]  # by code
    categories_by_id: dict[int, Category]
    departments: dict[int, Department]


_snapshots: dict[str, Snapshot] = {}  # per database, as routing's matchers


def category(code: str) -> Category | None:
    """The category with this code (active or not) in the request's session, its parent
    and default department set (and theirs, up the tree), so walking up reads nothing."""
    snapshot = _current()
    found = snapshot.categories.get(code)
    if found is None and _stored(select(Category.id).where(Category.code == code)):
        snapshot = _current(reload=True)  # added without raising the revision (a seed)
        found = snapshot.categories.get(code)
    return _with_ancestors(found, snapshot, 0) if found is not None else None


def _with_ancestors(cached: Category, snapshot: Snapshot, depth: int) -> Category:
    node = attach(cached)
    loaded = inspect(node).dict  # what the session's instance has already stays
    if "default_department" not in loaded and node.default_department_id is not None:
        dept = snapshot.departments.get(node.default_department_id)
        if dept is not None:
            set_committed_value(node, "default_department", attach(dept))
    if "parent" not in loaded and node.parent_id is not None and depth < 64:  # no loops
        parent = snapshot.categories_by_id.get(node.parent_id)
        if parent is not None:  # the session holds what it refers to: no weak references lost
            set_committed_value(node, "parent", _with_ancestors(parent, snapshot, depth + 1))
    return node


def department(department_id: int) -> Department | None:
    """The department with this id (active or not) in the request's session."""
    found = _current().departments.get(department_id)
    if found is None and _stored(select(Department.id).where(Department.id == department_id)):
        found = _current(reload=True).departments.get(department_id)
    return attach(found) if found is not None else None


def _stored(query) -> bool:
    """Whether the database has what the snapshot lacks (one indexed read, on a miss only)."""
    return db.session.scalar(query) is not None


def attach(cached: T) -> T:
    """The request session's instance of a cached detached copy: the one it holds, else
    the copy merged in without a query."""
    held = db.session.identity_map.get(inspect(cached).key)
    if held is not None:
        return held
    return db.session.merge(cached, load=False)


def detached_copy(row: T) -> T:
    """A copy of a loaded row's columns (no relationships), detached as if just loaded."""
    mapper = inspect(row).mapper
    copy = mapper.class_(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy


def forget() -> None:
    """Drop this process's snapshots (the next lookup loads the tree again)."""
    _snapshots.clear()


def _current(reload: bool = False) -> Snapshot:
    key = str(db.engine.url)
    revision = routing.matcher().revision  # read at most every REFERENCE_CHECK_SECONDS
    found = _snapshots.get(key)
    if reload or found is None or found.revision != revision:
        # No lock around the load: on SQLite it may wait for the write turn, which a
        # request waiting for such a lock could hold. Two threads may both load; both
        # snapshots are good.
        found = _snapshots[key] = _load(revision)
    return found


def _load(revision: int) -> Snapshot:
    # The revision was read first: the rows read now are at least as new.
    categories = [detached_copy(c) for c in db.session.scalars(select(Category))]
    departments = [detached_copy(d) for d in db.session.scalars(select(Department))]
    return Snapshot(
        revision,
        {c.code: c for c in categories},
        {c.id: c for c in categories},
        {d.id: d for d in departments},
    )


_CHANGED = "hotline_tree_changed"


@event.listens_for(Session, "after_flush")
def _tree_flushed(session: Session, _context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(o, Category | Department) for o in changed):
        session.info[_CHANGED] = True
        forget()


@event.listens_for(Session, "after_commit")
def _tree_committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget()  # again: another request may have loaded the old rows meanwhile
