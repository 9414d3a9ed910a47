"""The server process's heap after start-up, kept out of the garbage collector's way."""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Move what start-up built into the collector's permanent generation (gc.freeze).

    A server process holds about 175,000 tracked objects once the app is built (modules,
    SQLAlchemy's mappers and compiled statements, phone-number metadata, translations).
    Requests in flight when a young collection runs are promoted to the oldest
    generation, so a full collection comes every half-minute or so under load, and it
    walked all of those objects with the GIL held: 125 to 385 ms (measured) in which no
    request of the process moved (bench.intake's slowest 1%). Frozen objects are still freed by
    reference counting; only cycles among them are never collected, and start-up's
    objects live as long as the process anyway.
    Call it once, where a server process has built its app (not in tests, which build
    many apps and drop them)."""
    gc.collect()
    gc.freeze()
