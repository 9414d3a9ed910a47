"""A real HTTP server with Socket.IO for tests, and python-socketio listeners."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
import socketio
from werkzeug.serving import make_server

from app import create_app
from app.auth import issue_token
from app.extensions import db
from app.live import stop_watch
from app.models import User
from app.sqlite import writing
from config import TestingConfig
from dispatch import numbering


@contextmanager
def live_server(database_url: str, **config) -> Iterator[tuple]:
    """An app on its own port (threaded werkzeug, as `hotline serve` runs it)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, **config)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=5)
        stop_watch(app)
        with app.app_context():
            db.engine.dispose()
            numbering.dispose()


def token_for(app, username: str) -> str:
    with app.app_context(), writing():
        value = issue_token(db.session.query(User).filter_by(username=username).one())
        db.session.commit()
    return value


class Listener:
    """A Socket.IO client on /live that keeps every event it receives."""

    def __init__(self, url: str, token: str | None):
        self.events: list[tuple[str, dict]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace="/live")
        auth = {"token": token} if token else None
        self.client.connect(url, namespaces=["/live"], auth=auth, wait_timeout=5)

    def _record(self, name, payload):
        self.events.append((name, payload))

    def named(self, name: str) -> list[dict]:
        return [payload for event, payload in self.events if event == name]

    def names(self, number: str) -> list[str]:
        return [name for name, payload in self.events if payload.get("number") == number]

    def close(self):
        self.client.disconnect()


def close_all(listeners) -> None:
    """Disconnect in parallel: a websocket close on the development server can take seconds."""
    threads = [threading.Thread(target=listener.close) for listener in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


def wait_for(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def at_once(calls) -> list[requests.Response]:
    """Run the calls in threads released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
