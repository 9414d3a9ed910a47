"""Guessing a staff password takes many tries: after too many failed logins for one user
name (or from one address) the login page refuses to try more for a while, with a
message and Retry-After, even for the right password; other users log in as before."""

from __future__ import annotations

import pytest
from limits import parse

WRONG = {"username": "operator1", "password": "guess"}
RIGHT = {"username": "operator1", "password": "hotline-demo"}


@pytest.fixture
def limits(app, db):
    found = app.extensions["hotline_limits"]
    saved = dict(found.items)
    yield found
    found.items = saved


def browser(app, address: str = "203.0.113.9"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_too_many_failures_for_a_user_name_stop_the_guessing(app, limits):
    limits.items["LOGIN_RATE_LIMIT"] = parse("3 per 15 minutes")
    guesser = browser(app)
    for _ in range(3):
        assert guesser.post("/login", data=WRONG).status_code == 401
    refused = guesser.post("/login", data=RIGHT)  # the right password, but not tried now
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 900
    assert "登录失败次数过多" in refused.text
    elsewhere = browser(app, "198.51.100.20")  # the name is limited wherever it comes from
    assert elsewhere.post("/login", data=RIGHT).status_code == 429
    other = browser(app).post("/login", data={"username": "water1", "password": "hotline-demo"})
    assert other.status_code == 302  # another user is not locked out


def test_an_address_trying_many_names_is_stopped(app, limits):
    limits.items["LOGIN_ADDRESS_RATE_LIMIT"] = parse("4 per hour")
    guesser = browser(app, "203.0.113.50")
    for name in ("operator1", "operator2", "water1", "gas1"):
        assert guesser.post("/login", data={"username": name, "password": "x"}).status_code == 401
    assert guesser.post("/login", data={**RIGHT, "username": "supervisor1"}).status_code == 429
    assert browser(app, "203.0.113.51").post("/login", data=RIGHT).status_code == 302


def test_logging_in_right_counts_nothing(app, limits):
    limits.items["LOGIN_RATE_LIMIT"] = parse("2 per 15 minutes")
    for _ in range(5):
        assert browser(app).post("/login", data=RIGHT).status_code == 302
