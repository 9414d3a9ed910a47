"""Live events over a real Socket.IO connection: python-socketio clients with different
roles receive exactly the events they should, and nothing for a rolled-back change."""

from __future__ import annotations

import time

import pytest
import socketio

from app.extensions import db as _db
from app.models import User
from app.sqlite import writing
from dispatch import intake
from tests.livetools import Listener, close_all, live_server, token_for, wait_for

BODY = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "water.outage",
    "description": "停水",
}


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"]) as running:
        yield running


@pytest.fixture
def token(server, db):
    return lambda username: token_for(server[0], username)


def test_each_role_receives_exactly_its_events(server, token):
    live_app, url = server
    listeners = {name: Listener(url, token(name)) for name in ("operator1", "water1", "gas1")}
    try:
        http = live_app.test_client()
        headers = {"Authorization": f"Bearer {token('operator1')}"}
        number = http.post("/api/v1/cases", json=BODY, headers=headers).json["number"]
        water = {"Authorization": f"Bearer {token('water1')}"}
        assert http.post(f"/api/v1/cases/{number}/accept", headers=water).status_code == 200
        assert wait_for(lambda: len(listeners["operator1"].names(number)) == 2)
        assert wait_for(lambda: len(listeners["water1"].names(number)) == 2)
        assert listeners["operator1"].names(number) == ["case.created", "case.updated"]
        assert listeners["water1"].names(number) == ["case.created", "case.updated"]
        updated = listeners["water1"].named("case.updated")[0]
        assert updated["status"] == "accepted" and updated["at"]
        time.sleep(0.3)
        assert listeners["gas1"].events == []
    finally:
        close_all(listeners.values())


def test_a_connection_without_credentials_is_refused(server):
    _, url = server
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(url, None)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(url, "hl_not-a-token")


def test_a_page_of_another_site_cannot_open_the_live_feed(server, token):
    """A browser sends its Origin; with the operator's cookie another site's page would
    read the calls and cases: only this site's origin is taken."""
    _, url = server
    operator = token("operator1")

    def connect(origin: str) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        headers = {"Origin": origin}
        client.connect(url, namespaces=["/live"], auth={"token": operator}, headers=headers)
        return client

    for transports in (["polling"], ["websocket"]):
        with pytest.raises(socketio.exceptions.ConnectionError):
            client = socketio.Client(reconnection=False)
            client.connect(
                url,
                namespaces=["/live"],
                auth={"token": operator},
                headers={"Origin": "http://evil.example"},
                transports=transports,
                wait_timeout=5,
            )
    own = connect(url)
    assert own.connected
    own.disconnect()


def test_a_rolled_back_change_emits_nothing(server, token, now):
    live_app, url = server
    listener = Listener(url, token("operator1"))
    try:
        with live_app.app_context(), writing():
            operator = _db.session.query(User).filter_by(username="operator1").one()
            case = intake.register_case(dict(BODY), operator, now)
            assert case.number
            _db.session.rollback()
        time.sleep(0.5)
        assert listener.events == []
    finally:
        listener.close()


def test_a_revoked_token_or_a_disabled_user_loses_its_open_connection(app, db):
    from datetime import UTC, datetime

    from app.models import ApiToken
    from app.models.users import hash_token

    url_of_db = app.config["SQLALCHEMY_DATABASE_URI"]
    with live_server(url_of_db, LIVE_RECHECK_SECONDS=0.2) as (live_app, url):
        water_token, gas_token = token_for(live_app, "water1"), token_for(live_app, "gas1")
        water, gas = Listener(url, water_token), Listener(url, gas_token)
        time.sleep(0.5)
        assert water.client.connected and gas.client.connected
        with writing():
            token = _db.session.query(ApiToken).filter_by(token_hash=hash_token(water_token)).one()
            token.revoked_at = datetime.now(UTC)
            _db.session.commit()
        assert wait_for(lambda: not water.client.connected)
        assert gas.client.connected
        with writing():
            _db.session.query(User).filter_by(username="gas1").one().active = False
            _db.session.commit()
        assert wait_for(lambda: not gas.client.connected)
        close_all([water, gas])


def test_the_origin_check_takes_this_sites_addresses_only():
    from app.live import same_site

    behind_proxy = {"HTTP_HOST": "hotline.city.gov", "wsgi.url_scheme": "http"}
    check = same_site("")
    assert check(None, behind_proxy)  # no browser
    assert check("https://hotline.city.gov", behind_proxy)  # TLS ended at the proxy
    assert check("http://hotline.city.gov/", behind_proxy)
    assert not check("https://evil.example", behind_proxy)
    assert not check("https://hotline.city.gov.evil.example", behind_proxy)
    inside = {"HTTP_HOST": "10.0.0.5:8000", "HTTP_X_FORWARDED_HOST": "hotline.city.gov"}
    assert same_site("https://hotline.city.gov")("https://hotline.city.gov", inside)
    assert not check("https://hotline.city.gov", inside)  # a forwarded host is not trusted
    assert same_site("", trusted_proxies=1)("https://hotline.city.gov", inside)
    forged = {**inside, "HTTP_X_FORWARDED_HOST": "evil.example, hotline.city.gov"}
    assert not same_site("", trusted_proxies=1)("https://evil.example", forged)
