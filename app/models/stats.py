"""统计汇总: the statistics rollup (one row per local day, dimension and key) and the
insert-only deltas that case changes append in their own transaction until a job folds them.

Both carry the same counters. A reply-time histogram (`h0` … `h21`, see
dispatch/rollup.py's BUCKET_EDGES) lets the 90th percentile be read without the cases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime

BUCKETS = 22
COUNTERS = (
    "received",
    "closed",
    "replied",
    "replied_on_time",
    "reply_seconds",
    "returns",
    "rated",
    "satisfied",
    "transferred_out",
)
HISTOGRAM = tuple(f"h{i}" for i in range(BUCKETS))


def _counter() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class StatsDaily(db.Model):
    """Figures of the cases registered on one local day, per dimension and key.

    dim: department (dept = department id, 0 none; key ''), category (dept as on the case,
    key = category id), channel (dept 0, key = channel), district (dept 0, key = district).
    """

    __tablename__ = "stats_daily"

    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dept: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    received: Mapped[int] = _counter()
    closed: Mapped[int] = _counter()
    replied: Mapped[int] = _counter()
    replied_on_time: Mapped[int] = _counter()
    reply_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns: Mapped[int] = _counter()
    rated: Mapped[int] = _counter()
    satisfied: Mapped[int] = _counter()
    transferred_out: Mapped[int] = _counter()
    for _name in HISTOGRAM:  # reply-time histogram: h{i} cases replied within bucket i
        vars()[_name] = mapped_column(_name, Integer, nullable=False, default=0, server_default="0")
    del _name


class StatsDelta(db.Model):
    """One case's change of contribution (old subtracted, new added), at the case's grain;
    appended in the change's transaction, folded into stats_daily by a scheduler job."""

    __tablename__ = "stats_deltas"
    __table_args__ = (Index("ix_stats_deltas_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(Integer)  # 0: none
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    district: Mapped[str] = mapped_column(String(50))
    received: Mapped[int] = _counter()
    closed: Mapped[int] = _counter()
    replied: Mapped[int] = _counter()
    replied_on_time: Mapped[int] = _counter()
    reply_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns: Mapped[int] = _counter()
    rated: Mapped[int] = _counter()
    satisfied: Mapped[int] = _counter()
    transferred_out: Mapped[int] = _counter()
    bucket: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")  # -1: none
    bucket_n: Mapped[int] = _counter()


class RollupState(db.Model):
    """The rollup's one row of state: the time zone its days were cut in (HOTLINE_TIMEZONE
    when it was last rebuilt, or when it was first folded under this record). A process
    configured with another zone would file new cases on other days: the scheduler
    rebuilds the rollup in its own zone when they differ (dispatch/rollup_rebuild.py)."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    time_zone: Mapped[str] = mapped_column(String(64))
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
