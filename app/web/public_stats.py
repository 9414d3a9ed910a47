"""公开数据 (/public, no login): the hotline's published figures per department and month,
computed at most once every PUBLIC_STATS_CACHE_SECONDS per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, render_template

from app.models import utcnow
from dispatch import disclosure

bp = Blueprint("public_stats", __name__)

CACHE = "hotline_public_stats"


class TtlCache:
    """One value kept for `seconds` (this process only), computed again once it is older."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.lock = threading.Lock()
        self.entry: tuple[float, object] | None = None

    def get(self, compute: Callable[[], object]) -> object:
        with self.lock:  # one request computes, the others wait for its answer
            if self.entry is None or self.clock() - self.entry[0] >= self.seconds:
                self.entry = (self.clock(), compute())
            return self.entry[1]

    def forget(self) -> None:
        with self.lock:
            self.entry = None


def cache(app: Flask) -> TtlCache:
    if CACHE not in app.extensions:
        app.extensions[CACHE] = TtlCache(app.config["PUBLIC_STATS_CACHE_SECONDS"])
    return app.extensions[CACHE]


@bp.get("/public")
def figures():
    found = cache(current_app).get(lambda: disclosure.disclosure(utcnow()))
    seconds = current_app.config["PUBLIC_STATS_CACHE_SECONDS"]
    return render_template("public/stats.html", d=found, minutes=max(1, round(seconds / 60)))
