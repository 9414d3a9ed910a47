"""Writing new rows straight through Core, for the hottest write path (registration).

The unit of work is general: it sorts the session's objects, diffs their attributes and
emits one statement per table after bookkeeping for each object. Registering a case writes
rows of a known shape, so it builds them itself: `row_of` reads a new object's row from
its attributes (defaults filled in, many-to-one relationships turned into their foreign
keys), `insert_returning_id` writes it with one INSERT ... RETURNING (on PostgreSQL
`insert_family` writes it with the rows that go with it in one statement), and `adopt`
attaches the object to the session as a persistent, fully loaded object (nothing left for
a flush, no SELECT to read it back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import orjson
import psycopg
from sqlalchemy import Connection, Dialect, Engine, Insert, Table, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.relationships import MANYTOONE

T = TypeVar("T")


def row_of(obj: Any) -> dict[str, Any]:
    """The new (transient) object's row: every column but an unset primary key. Unset
    attributes take their column's scalar default (and are set on the object, so that it
    has them once adopted) or None; one whose default is computed (a callable, or only the
    server's) must have been set. What this sets goes into the object's state directly,
    without attribute events: adopt() takes every value as loaded anyway."""
    mapper: Mapper = inspect(obj).mapper
    state = obj.__dict__
    row: dict[str, Any] = {}
    for key, column, default in _columns(mapper):
        if key not in state:
            if column.primary_key:
                continue
            if default is _COMPUTED:
                raise ValueError(
                    f"{mapper.class_.__name__}.{key} must be set: its default is computed"
                )
            state[key] = default
        row[column.key] = state[key]
    for key, pairs in _many_to_one(mapper):
        if key in state:  # a relationship set wins over its foreign key column
            target = state[key]
            for local, remote_key in pairs:
                row[local] = state[local] = (
                    getattr(target, remote_key) if target is not None else None
                )
    return row


def new(cls: type[T], **values: Any) -> T:
    """A new (transient) object of mapped class `cls` with these attribute values, set
    into its state without attribute events (no history, no backrefs): for a row that
    `row_of` reads and these functions write, never for one that the unit of work
    flushes (a flush reads relationships' history, which this leaves empty). The
    registration of a case builds its case and history so: the events cost about a
    tenth of its instructions."""
    obj = cls.__mapper__.class_manager.new_instance()
    fill(obj, **values)
    return obj


def fill(obj: Any, **values: Any) -> None:
    """Set attributes of an object made by `new` (still transient), without events."""
    unknown = values.keys() - _attribute_keys(inspect(obj).mapper)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no attribute {', '.join(sorted(unknown))}")
    obj.__dict__.update(values)


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring the session's objects: for a request that has built its
    answer and reads nothing after the commit (the session ends with the request).
    Expiring them cost about 3% of a registration's instructions."""
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def insert_returning_id(connection: Connection, statement: Insert, row: dict[str, Any]) -> int:
    """Execute `statement` (an INSERT ... RETURNING id of one row) and return the id."""
    return connection.execute(statement, row).scalar_one()


def adopt(session: Session, obj: Any, primary_key: int) -> None:
    """Attach `obj`, whose row was just inserted with `primary_key`, to the session as a
    persistent object whose attributes are all loaded (relationships not set stay lazy)."""
    obj.id = primary_key
    make_transient_to_detached(obj)
    session.add(obj)


_COMPUTED = object()  # a callable default (such as a timestamp): the caller sets it


@cache
def _columns(mapper: Mapper) -> tuple[tuple[str, Any, Any], ...]:
    out = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        default = column.default
        if default is None:
            value = None if column.server_default is None else _COMPUTED
        elif default.is_scalar:
            value = default.arg
        else:
            value = _COMPUTED
        out.append((prop.key, column, value))
    return tuple(out)


@cache
def _attribute_keys(mapper: Mapper) -> frozenset[str]:
    return frozenset(prop.key for prop in mapper.attrs)


@cache
def _many_to_one(mapper: Mapper) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    out = []
    for rel in mapper.relationships:
        if rel.direction is not MANYTOONE or rel.viewonly:
            continue
        target = rel.mapper
        pairs = tuple(
            (local.key, target.get_property_by_column(remote).key)
            for local, remote in rel.local_remote_pairs
        )
        out.append((rel.key, pairs))
    return tuple(out)


def insert_family(
    connection: Connection,
    parent: Table,
    row: dict[str, Any],
    children: list[tuple[Table, list[dict[str, Any]]]],
    *,
    whole_transaction: bool = False,
) -> int:
    """PostgreSQL: write a parent row and the rows that go with it in one statement (a
    data-modifying WITH) and return the parent's id. The rows that refer to the parent
    carry its id already (taken before, as numbering takes a case's); `children` holds
    each table's rows, all of one shape (any number, none included).

    Each table's rows travel as one JSON parameter that PostgreSQL turns into rows of the
    table's type (json_populate_recordset): a short statement with three or four
    parameters, which the driver and the server cache, instead of one per column.

    `whole_transaction`: the caller writes nothing else in this transaction and commits
    it next. When nothing was sent in it yet, the statement then commits itself (one
    statement is atomic): one round trip where BEGIN, the statement and COMMIT took
    three; the caller's commit finds nothing left to do (the driver sends no COMMIT for
    a connection that is not in a transaction)."""
    statement, params = _family(parent, row, children)
    dbapi = connection.connection.dbapi_connection
    commits = whole_transaction and dbapi.info.transaction_status == _IDLE
    if commits:
        dbapi.autocommit = True
    try:
        (parent_id,) = fetch_one_on_driver(
            dbapi, connection.dialect, connection.invalidate, statement, params
        )
    finally:
        if commits:
            if dbapi.info.transaction_status == _IDLE:
                dbapi.autocommit = False
            elif not connection.invalidated:  # never back in the pool in autocommit
                connection.invalidate()
    return parent_id


def _family(
    parent: Table, row: dict[str, Any], children: list[tuple[Table, list[dict[str, Any]]]]
) -> tuple[str, dict[str, str]]:
    """The family's statement (built once per shape) and its parameters."""
    shapes = tuple((table.name, *(rows[0] if rows else ())) for table, rows in children)
    key = (parent.name, *row, *shapes)
    statement = _FAMILIES.get(key)
    if statement is None:
        statement = _FAMILIES[key] = _family_statement(parent, list(row), children)
    params = {"parent": _json([row])}
    for i, (_table, rows) in enumerate(children):
        params[f"child{i}"] = _json(rows)
    return statement, params


@dataclass(frozen=True)
class Lent:
    """A connection of a pool's, lent to one piece of work (`lent_connection`)."""

    driver: Any  # the driver's connection
    dialect: Dialect
    invalidate: Callable[[BaseException], None]

    def fetch_one(self, sql: str, params: dict[str, Any] | tuple) -> tuple:
        """The first row of `sql` (fetch_one_on_driver)."""
        return fetch_one_on_driver(self.driver, self.dialect, self.invalidate, sql, params)

    def insert_family(
        self,
        parent: Table,
        row: dict[str, Any],
        children: list[tuple[Table, list[dict[str, Any]]]],
    ) -> int:
        """`insert_family` on this connection, in whatever transaction it is in (in
        autocommit, one of its own that the statement commits)."""
        statement, params = _family(parent, row, children)
        (parent_id,) = self.fetch_one(statement, params)
        return parent_id


@contextmanager
def lent_connection(engine: Engine, *, autocommit: bool = False) -> Iterator[Lent]:
    """A connection of `engine`'s pool for the statements sent inside, outside any
    session; `autocommit`: each is a transaction of its own (a connection that the pool
    lends outside autocommit goes back as it was lent, or is discarded when it was left
    in a transaction). A driver error is raised as SQLAlchemy's (an outage answers 503
    like any other) and a lost connection leaves the pool."""
    try:
        pooled = engine.raw_connection()
    except psycopg.Error as exc:  # the pool's connect raises the driver's own error
        raise as_sqlalchemy_error(exc, engine.dialect, None, "connect", ()) from exc
    try:
        driver = pooled.dbapi_connection
        switched = autocommit and not driver.autocommit
        if switched:
            driver.autocommit = True
        try:
            yield Lent(driver, engine.dialect, pooled.invalidate)
        finally:
            if switched and pooled.is_valid:
                if driver.info.transaction_status == _IDLE:
                    driver.autocommit = False
                else:  # never back in the pool in autocommit
                    pooled.invalidate()
    finally:
        pooled.close()


# Whether a session holds a connection in its transaction (a read or a flush began one):
# kept by the listeners below, as the session tells it only through its private state.
_HOLDS_CONNECTION = "hotline_holds_connection"


def holds_connection(session: Session) -> bool:
    """Whether `session`'s transaction holds a connection now."""
    return session.info.get(_HOLDS_CONNECTION, False)


@event.listens_for(Session, "after_begin")
def _connection_held(session: Session, _transaction, _connection) -> None:
    session.info[_HOLDS_CONNECTION] = True


@event.listens_for(Session, "after_transaction_end")
def _connection_given_back(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost: its connections go back to the pool
        session.info.pop(_HOLDS_CONNECTION, None)


_IDLE = psycopg.pq.TransactionStatus.IDLE


def fetch_one_on_driver(
    dbapi_connection: Any,
    dialect: Dialect,
    invalidate: Callable[[BaseException], None],
    sql: str,
    params: dict[str, Any] | tuple,
) -> tuple:
    """The first row of `sql` (psycopg's %(name)s parameters) run on the driver's
    connection itself, in whatever transaction it is in: SQLAlchemy's execution layers
    cost as much as the driver's own work for a short statement. A driver error is raised
    as SQLAlchemy raises it (IntegrityError, OperationalError, ...; the API answers an
    outage with 503 as for any statement), and `invalidate` is called when the connection
    was lost, so that its pool replaces it."""
    try:
        return dbapi_connection.execute(sql, params).fetchone()
    except psycopg.Error as exc:
        error = as_sqlalchemy_error(exc, dialect, dbapi_connection, sql, params)
        if error.connection_invalidated:
            invalidate(exc)
        raise error from exc


def as_sqlalchemy_error(
    exc: psycopg.Error, dialect: Dialect, dbapi_connection: Any, sql: str, params: Any
) -> DBAPIError:
    """The SQLAlchemy exception that `exc` would have been raised as, a lost connection
    (or one that could not be made: `dbapi_connection` None) marked invalidated."""
    gone = dialect.is_disconnect(exc, dbapi_connection, None)
    return DBAPIError.instance(sql, params, exc, psycopg.Error, connection_invalidated=gone)


_FAMILIES: dict[tuple, str] = {}


def _family_statement(parent: Table, keys: list[str], children) -> str:
    """The statement in the driver's own parameter style (it is sent to the driver)."""

    def inserted(table: Table, names, param: str) -> str:
        columns = ", ".join(names)
        picked = ", ".join(f"r.{name}" for name in names)
        rows = f"json_populate_recordset(NULL::{table.name}, CAST(%({param})s AS json)) AS r"
        return f"INSERT INTO {table.name} ({columns}) SELECT {picked} FROM {rows}"

    parts = [f"new_parent AS ({inserted(parent, keys, 'parent')} RETURNING id)"]
    for i, (table, rows) in enumerate(children):
        if rows:
            parts.append(f"child{i} AS ({inserted(table, list(rows[0]), f'child{i}')})")
    return f"WITH {', '.join(parts)} SELECT id FROM new_parent"


def _json(rows: list[dict[str, Any]]) -> str:
    """The rows as JSON by orjson (21 against 53 µs for an intake's four parameters with
    the standard library), times written by orjson too (datetime.isoformat cost 1.6 µs a
    time, 15 times an intake). A naive time is refused first: orjson would write it
    without an offset, which PostgreSQL would read in the session's time zone."""
    for row in rows:
        for value in row.values():
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError("naive datetime given; times are timezone-aware UTC inside")
    return orjson.dumps(rows, option=_OPTIONS).decode()  # TypeError for what it cannot write


_OPTIONS = orjson.OPT_NON_STR_KEYS  # keys as json's: str()
