"""Web logins (登录会话) end: a session cookie copied off a workstation (a shared desk, a
proxy's log) opens nothing once its user logged out there, was disabled, or the login's
hours passed; the user's other logins carry on."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from app import logins
from app.extensions import db as _db
from app.models import User, WebSession, utcnow
from app.models.users import hash_token
from app.sqlite import writing
from tests.livetools import live_server, wait_for

PASSWORD = "hotline-demo"


def copy_of(app, client):
    """Another browser holding the same session cookie as `client`."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value)
    return other


def opens_the_case_list(client) -> bool:
    answer = client.get("/cases/")
    assert answer.status_code in (200, 302)
    return answer.status_code == 200


def test_a_copied_cookie_opens_nothing_after_logout(app, login):
    desk = login("operator1")
    copy = copy_of(app, desk)
    assert opens_the_case_list(copy)  # the copy works while the login lasts
    out = desk.post("/logout", follow_redirects=True)
    assert out.status_code == 200 and "已退出登录" in out.text
    assert not opens_the_case_list(desk)
    assert not opens_the_case_list(copy)
    assert copy.get("/api/v1/cases").status_code == 401


def test_logging_out_at_one_desk_leaves_the_other_logged_in(app, login):
    morning, evening = login("operator1"), login("operator1")
    morning.post("/logout")
    assert not opens_the_case_list(morning)
    assert opens_the_case_list(evening)
    stored = _db.session.scalars(
        select(WebSession).join(User).where(User.username == "operator1")
    ).all()
    assert len(stored) == 2
    assert sorted(row.ended_at is None for row in stored) == [False, True]


def test_the_database_keeps_no_key_a_cookie_could_be_made_of(app, login):
    desk = login("water1")
    value = desk.get_cookie("session").value
    session = app.session_interface.get_signing_serializer(app).loads(value)
    key = session[logins.SESSION_KEY]
    row = _db.session.scalar(select(WebSession).where(WebSession.key_hash == hash_token(key)))
    assert row is not None and key not in row.key_hash and len(key) >= 32


def test_a_disabled_user_is_logged_out_and_stays_out_when_enabled_again(app, login):
    handler, admin = login("water1"), login("admin")
    assert opens_the_case_list(handler)
    answer = admin.post("/admin/users/water1/active", data={"active": "0"})
    assert answer.status_code == 302
    assert not opens_the_case_list(handler)
    admin.post("/admin/users/water1/active", data={"active": "1"})
    assert not opens_the_case_list(handler)  # the old login ended; a new one is needed
    assert opens_the_case_list(login("water1"))


def test_a_login_ends_after_its_hours(app, login):
    desk = login("supervisor1")
    assert opens_the_case_list(desk)
    hours = app.config["SESSION_HOURS"]
    with writing():
        _db.session.execute(
            update(WebSession).values(created_at=utcnow() - timedelta(hours=hours, minutes=1))
        )
        _db.session.commit()
    assert not opens_the_case_list(desk)
    assert desk.get("/login").status_code == 200


def test_a_cookie_without_a_login_opens_nothing(app, db):
    """A session signed with the right key but naming only a user (as cookies did before
    logins were recorded, or forged with a leaked SECRET_KEY and a guessed user id)."""
    user_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    forged = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": str(user_id), "_fresh": True}
    )
    client = app.test_client()
    client.set_cookie("session", forged)
    assert not opens_the_case_list(client)
    client.set_cookie(
        "session",
        app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": str(user_id), logins.SESSION_KEY: "made-up"}
        ),
    )
    assert not opens_the_case_list(client)


def test_a_failed_login_records_no_login(app, db):
    before = db.session.scalar(select(func.count()).select_from(WebSession))
    client = app.test_client()
    assert client.post("/login", data={"username": "admin", "password": "nope"}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == before


def test_the_live_feed_of_a_login_closes_at_its_logout(app, db):
    """A desk's page holds a live connection on its session cookie: logging out (here or
    on the copy's desk) closes it at the next check, as for a revoked token."""
    import socketio

    url_of_db = app.config["SQLALCHEMY_DATABASE_URI"]
    with live_server(url_of_db, LIVE_RECHECK_SECONDS=0.2, WTF_CSRF_ENABLED=False) as (_, url):
        desks = []
        for _ in range(2):
            desk = requests.Session()
            answer = desk.post(
                f"{url}/login",
                data={"username": "operator1", "password": PASSWORD},
                allow_redirects=False,
            )
            assert answer.status_code == 302
            desks.append(desk)
        feeds = []
        for desk in desks:
            feed = socketio.Client(reconnection=False)
            cookie = f"session={desk.cookies['session']}"
            feed.connect(url, namespaces=["/live"], headers={"Cookie": cookie}, wait_timeout=5)
            feeds.append(feed)
        try:
            assert all(feed.connected for feed in feeds)
            assert desks[0].post(f"{url}/logout", allow_redirects=False).status_code == 302
            assert wait_for(lambda: not feeds[0].connected)
            assert feeds[1].connected  # the other desk's login goes on
        finally:
            for feed in feeds:
                if feed.connected:
                    feed.disconnect()


def test_logging_in_again_in_a_browser_ends_its_login_before(app, login):
    desk = login("operator1")
    copy = copy_of(app, desk)
    answer = desk.post("/login", data={"username": "water1", "password": PASSWORD})
    assert answer.status_code == 302
    assert opens_the_case_list(desk)
    assert not opens_the_case_list(copy)  # operator1's login in this browser ended
