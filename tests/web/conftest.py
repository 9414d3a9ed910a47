import pytest


@pytest.fixture
def login(app, db):
    """A test client logged in through the real login form as a demo user."""

    def log_in(username: str, password: str = "hotline-demo"):
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": password})
        assert answer.status_code == 302, answer.text
        return client

    return log_in
