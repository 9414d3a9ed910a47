"""API tokens: a revoked token or a disabled user is refused, whether the change was made
in this process (at once) or elsewhere (within API_TOKEN_CACHE_SECONDS)."""

import time

from sqlalchemy import select, text

from app.models import ApiToken, User, utcnow
from app.sqlite import writing


def _token_row(db, username: str) -> ApiToken:
    return db.session.scalar(
        select(ApiToken).join(User).where(User.username == username).order_by(ApiToken.id.desc())
    )


def test_a_token_revoked_here_is_refused_at_once(client, db, auth_header):
    headers = auth_header("operator1")
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with writing():
        _token_row(db, "operator1").revoked_at = utcnow()
        db.session.commit()
    answer = client.get("/api/v1/cases", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_a_user_disabled_here_is_refused_at_once(client, db, auth_header, user):
    headers = auth_header("operator1")
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with writing():
        user("operator1").active = False
        db.session.commit()
    try:
        assert client.get("/api/v1/cases", headers=headers).status_code == 401
    finally:
        with writing():  # the demo users outlive the test
            user("operator1").active = True
            db.session.commit()


def test_a_revocation_made_elsewhere_holds_within_the_cache_time(app, client, db, auth_header):
    headers = auth_header("operator1")
    app.config["API_TOKEN_CACHE_SECONDS"] = 0.3
    try:
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
        token_id = _token_row(db, "operator1").id
        with writing():  # as another process would: straight to the table
            db.session.execute(
                text("UPDATE api_tokens SET revoked_at = :now WHERE id = :id"),
                {"now": utcnow(), "id": token_id},
            )
            db.session.commit()
        time.sleep(0.4)
        assert client.get("/api/v1/cases", headers=headers).status_code == 401
    finally:
        app.config["API_TOKEN_CACHE_SECONDS"] = 5


def test_the_cached_user_acts_with_its_own_identity(client, auth_header, counts):
    headers = auth_header("operator1")
    body = {"channel": "phone", "caller_phone": "13800138000", "category": "water.outage"}
    body["description"] = "停水"
    numbers = []
    for _ in range(3):  # the first looks the token up, the others take it from the cache
        answer = client.post("/api/v1/cases", json=body, headers=headers)
        assert answer.status_code == 201
        numbers.append(answer.get_json()["number"])
        assert answer.get_json()["caller_phone"] == "+8613800138000"  # an operator sees it
    for number in numbers:
        events = client.get(f"/api/v1/cases/{number}", headers=headers).get_json()["events"]
        assert events[0]["actor"] == "operator1"


def test_hotline_token_revoke_ends_every_token_of_the_user(app, client, db, auth_header):
    runner = app.test_cli_runner()
    first = auth_header("water1")
    second = {"Authorization": f"Bearer {runner.invoke(args=['token', 'water1']).output.strip()}"}
    other = auth_header("gas1")
    done = runner.invoke(args=["token", "water1", "--revoke"])
    assert done.exit_code == 0, done.output
    assert "revoked 2 token(s) of water1" in done.output
    for headers in (first, second):
        assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert client.get("/api/v1/cases", headers=other).status_code == 200
    again = runner.invoke(args=["token", "water1", "--revoke"])
    assert "revoked 0 token(s)" in again.output
    fresh = runner.invoke(args=["token", "water1"]).output.strip()
    authorised = {"Authorization": f"Bearer {fresh}"}
    assert client.get("/api/v1/cases", headers=authorised).status_code == 200
    unknown = runner.invoke(args=["token", "nobody", "--revoke"])
    assert unknown.exit_code != 0 and "no user nobody" in unknown.output


def test_an_administrator_sees_and_revokes_a_users_tokens(app, client, db, auth_header, login):
    headers = auth_header("operator1")
    admin = login("admin")
    listed = admin.get("/admin/users")
    assert "API令牌" in listed.text and "/admin/users/operator1/tokens/revoke" in listed.text
    assert "/admin/users/water1/tokens/revoke" not in listed.text  # none to revoke
    supervisor = login("supervisor1")
    assert supervisor.post("/admin/users/operator1/tokens/revoke").status_code == 403
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    answer = admin.post("/admin/users/operator1/tokens/revoke", follow_redirects=True)
    assert answer.status_code == 200 and "已吊销operator1的1个API令牌" in answer.text
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert admin.post("/admin/users/nobody/tokens/revoke").status_code == 404
