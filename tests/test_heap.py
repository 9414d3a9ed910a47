"""A server process freezes what start-up built out of the garbage collector's way, so a
full collection under load walks only what requests left behind (app/heap.py)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import gc
import app.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_wsgi_entry_point_freezes_start_up_objects(tmp_path):
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path}/heap.db",
        "HOTLINE_ENV": "development",
        "HOTLINE_SCHEDULER_IN_SERVER": "0",
        "HOTLINE_REDIS_URL": "",
    }
    answer = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    frozen, tracked = map(int, answer.stdout.split()[-2:])
    # The app, its modules and mappers: well over 100,000 objects, nearly all frozen.
    assert frozen > 100_000
    assert tracked < frozen / 20
