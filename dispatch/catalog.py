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

from app.extensions import database_key, db
from app.models import Category, Department
from dispatch import routing

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    revision: int
    categories: dict[str, Category]  # by code
    departments: dict[int, Department]
    # by category id: the codes of the category and its ancestors, root first; and the
    # (code, default department id) of each of them that names one, nearest first
    paths: dict[int, tuple[str, ...]]
    named_departments: dict[int, tuple[tuple[str, int], ...]]


_snapshots: dict[str, Snapshot] = {}  # per database, as routing's matchers


def category(code: str) -> Category | None:
    """The category with this code (active or not) in the request's session. Its parent
    and default department load when read; what routing and the deadlines need of its
    ancestors, `path_codes` and `nearest_department` give from the snapshot."""
    snapshot = _current()
    found = snapshot.categories.get(code)
    if found is None and _stored(select(Category.id).where(Category.code == code)):
        snapshot = _current(reload=True)  # added without raising the revision (a seed)
        found = snapshot.categories.get(code)
    return attach(found) if found is not None else None


def path_codes(node: Category) -> tuple[str, ...]:
    """The codes of `node` and its ancestors, root first (without a query when the
    snapshot has it)."""
    found = _current().paths.get(node.id) if node.id is not None else None
    return found if found is not None else tuple(n.code for n in node.path())


def nearest_department(node: Category) -> tuple[str, Department] | None:
    """Up the tree from `node` (itself first), the first category that names an active
    default department: its code and that department (in the request's session)."""
    snapshot = _current()
    if node.id is not None and node.id in snapshot.named_departments:
        for code, dept_id in snapshot.named_departments[node.id]:
            dept = snapshot.departments.get(dept_id)
            if dept is not None and dept.active:
                return code, attach(dept)
        return None
    step = node  # not in the snapshot (just added): the session's own objects
    while step is not None:
        if step.default_department is not None and step.default_department.active:
            return step.code, step.default_department
        step = step.parent
    return None


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
    key = database_key()
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
    by_id = {c.id: c for c in categories}
    lines = {c.id: _line_up(c, by_id) for c in categories}
    return Snapshot(
        revision,
        {c.code: c for c in categories},
        {d.id: d for d in departments},
        {i: tuple(n.code for n in reversed(line)) for i, line in lines.items()},
        {
            i: tuple((n.code, n.default_department_id) for n in line if n.default_department_id)
            for i, line in lines.items()
        },
    )


def _line_up(node: Category, by_id: dict[int, Category]) -> list[Category]:
    """`node` and its ancestors, nearest first (the tree has no loops: save_category
    refuses them; 64 levels at most all the same)."""
    line = [node]
    while line[-1].parent_id is not None and len(line) < 64:
        parent = by_id.get(line[-1].parent_id)
        if parent is None:
            break
        line.append(parent)
    return line


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
