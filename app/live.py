"""Socket.IO: the /live namespace (authenticate on connect, join rooms) and the Redis queue."""

from __future__ import annotations

import logging
import os
import threading
import time
from urllib.parse import urlsplit

import socketio as python_socketio
from flask import current_app, request, session
from flask_socketio import ConnectionRefusedError, join_room

from app import auth, logins
from app.extensions import db, socketio
from app.models import Role, User
from app.models.users import hash_token
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
    token = _token_of(auth_data)
    return auth.user_for_token(token) if token is not None else auth.session_user()


def _credentials_of(user: User, token: str | None) -> auth.Credentials:
    """What a connection's user holds: its API token, else its web login (app/logins.py)."""
    held = (user.id, user.role, user.department_id)
    if token is not None:
        return auth.Credentials(*held, token_hash=hash_token(token))
    return auth.Credentials(*held, login_hash=hash_token(session[logins.SESSION_KEY]))


def _token_of(auth_data: object) -> str | None:
    """The API token a connection authenticates with (None: its web session)."""
    if isinstance(auth_data, dict) and isinstance(auth_data.get("token"), str):
        return auth_data["token"]
    return None


def same_site(public_url: str, trusted_proxies: int = 0):
    """Engine.IO's origin check: a browser page may connect only from this site: the host
    the request came to (over http or https: a TLS-terminating proxy in front keeps the
    Host), the public address (HOTLINE_PUBLIC_URL), or the host that trusted proxies
    forwarded (HOTLINE_TRUSTED_PROXIES). A connection without an Origin (no browser:
    python-socketio, an API client) is not asked. Another site's page, with the
    operator's cookie, would read the live feed."""
    public = _origin(public_url) if public_url else None

    def allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True
        hosts = [environ.get("HTTP_HOST", "")]
        forwarded = [h.strip() for h in environ.get("HTTP_X_FORWARDED_HOST", "").split(",")]
        if trusted_proxies and len(forwarded) >= trusted_proxies and forwarded[-trusted_proxies]:
            hosts.append(forwarded[-trusted_proxies])  # as ProxyFix takes it
        own = {f"{scheme}://{host}" for host in hosts if host for scheme in ("http", "https")}
        return origin.rstrip("/") in own or origin.rstrip("/") == public

    return allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app() -> None:
    """Register the handlers on the Socket.IO server of the app being built."""
    socketio.on_event("connect", connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", disconnect, namespace=NAMESPACE)


def connect(auth_data=None):
    try:
        user = _connecting_user(auth_data)
        rooms = rooms_for(user) if user is not None else []
        holder = _credentials_of(user, _token_of(auth_data)) if user is not None else None
    finally:
        db.session.remove()
    if user is None:
        raise ConnectionRefusedError("login or an API token is required")
    for room in rooms:
        join_room(room, sid=request.sid, namespace=NAMESPACE)
    app = current_app._get_current_object()
    _watch_of(app).hold(request.sid, holder, app)


def disconnect(*_reason) -> None:
    _watch_of(current_app).release(request.sid)


def stop_watch(app) -> None:
    """Stop the app's checks of its live connections, before its engine is disposed (a
    check after that would open a connection of a pool nobody closes)."""
    watch = app.extensions.get(WATCH)
    if watch is not None:
        watch.stop()


def _watch_of(app) -> _Watch:
    """The app's watch over its live connections (each app its own: tests run several)."""
    watch = app.extensions.get(WATCH)
    if watch is None:
        with _creating:
            watch = app.extensions.setdefault(WATCH, _Watch())
    return watch


WATCH = "hotline_live_watch"
_creating = threading.Lock()


class _Watch:
    """This process's live connections and who holds them, checked again every
    LIVE_RECHECK_SECONDS: a user disabled or moved to another role or department, a token
    revoked or a login ended (logout) loses its open connections too, not only new ones
    (one thread per process while any connection is open, started again in a forked
    child)."""

    def __init__(self) -> None:
        self.holders: dict[str, auth.Credentials] = {}
        self.lock = threading.Lock()
        self.owner_pid: int | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self, sid: str, holder: auth.Credentials, app) -> None:
        with self.lock:
            if self.owner_pid != os.getpid():
                self.holders, self.owner_pid = {}, os.getpid()
                self.thread = threading.Thread(target=self._run, args=(app,), daemon=True)
                self.thread.name = "live-credentials"
                self.thread.start()
            self.holders[sid] = holder

    def stop(self) -> None:
        """No more checks (the app is going away: its engine is disposed next); waits for
        a check under way."""
        self.stopping.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    def release(self, sid: str) -> None:
        with self.lock:
            self.holders.pop(sid, None)

    def _run(self, app) -> None:
        every = app.config["LIVE_RECHECK_SECONDS"]
        while True:
            if self.stopping.wait(every):
                return
            with self.lock:
                if not self.holders:  # the next connection starts another
                    self.owner_pid = None
                    return
            try:
                self.check(app)
            except Exception:  # the database away: the next round checks again
                log.warning("live connections: credentials not checked", exc_info=True)

    def check(self, app) -> list[str]:
        """Disconnect the connections whose credentials ended; their sids."""
        with self.lock:
            holders = dict(self.holders)
        with app.app_context():
            try:
                gone = auth.credentials_ended(holders)
            finally:
                db.session.remove()
        for sid in gone:
            self.release(sid)
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        if gone:
            log.info("live connections: %d closed (credentials ended)", len(gone))
        return gone
