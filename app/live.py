"""Socket.IO: the /live namespace (authenticate on connect, join rooms) and the Redis queue."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import socketio as python_socketio
from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from app import auth
from app.extensions import db, socketio
from app.models import Role, User
from notifications.events import NAMESPACE, department_room, role_room, user_room

log = logging.getLogger(__name__)

REDIS_CONNECT_TIMEOUT_SECONDS = 2
RESUBSCRIBE_AT_MOST_EVERY_SECONDS = 5


class RedisQueue(python_socketio.RedisManager):
    """The Redis message queue that joins the server processes, tuned for a call centre.

    The stock manager backs off up to 60 s before it listens again after a Redis outage,
    so operators' screens would stay silent for a minute after Redis is back; this one
    tries again at least every 5 s. Connecting gives up after 2 s instead of hanging.
    """

    def __init__(self, url: str, channel: str = "flask-socketio") -> None:
        super().__init__(
            url,
            channel=channel,
            redis_options={"socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS},
        )

    def _redis_listen_with_retries(self):  # same loop as the library's, shorter back-off
        retry_sleep = 1
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    retry_sleep = 1
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - any Redis failure means reconnect
                log.warning("live queue: Redis unreachable (%s); retrying in %ss", exc, retry_sleep)
                subscribed = False
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, RESUBSCRIBE_AT_MOST_EVERY_SECONDS)


def rooms_for(user: User) -> list[str]:
    """Every user hears its own room and its role's; a handler its department's only."""
    rooms = [user_room(user.id), role_room(user.role)]
    if user.role == Role.HANDLER and user.department_id:
        rooms.append(department_room(user.department_id))
    return rooms


def _connecting_user(auth_data: object) -> User | None:
    if isinstance(auth_data, dict) and isinstance(auth_data.get("token"), str):
        return auth.user_for_token(auth_data["token"])
    return auth.session_user()


def same_site(public_url: str):
    """Engine.IO's origin check: a browser page may connect only from this site, the address
    the request came to or the public one (HOTLINE_PUBLIC_URL, behind a proxy); a
    connection without an Origin (no browser: python-socketio, an API client) is not
    asked. Another site's page, with the operator's cookie, would read the live feed."""
    public = _origin(public_url) if public_url else None

    def allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in (own, public)

    return allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app() -> None:
    """Register the handlers on the Socket.IO server of the app being built."""
    socketio.on_event("connect", connect, namespace=NAMESPACE)


def connect(auth_data=None):
    try:
        user = _connecting_user(auth_data)
        rooms = rooms_for(user) if user is not None else []
    finally:
        db.session.remove()
    if user is None:
        raise ConnectionRefusedError("login or an API token is required")
    for room in rooms:
        join_room(room, sid=request.sid, namespace=NAMESPACE)
