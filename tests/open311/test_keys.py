"""api_keys: `hotline open311-key NAME` prints a new key (only its hash is stored); the
admin page lists the client systems with each key's last use, issues and revokes keys;
only administrators reach it."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Open311Key
from app.models.users import hash_token
from tests.open311.conftest import BASE
from tests.open311.test_post import GOOD


def test_cli_issues_a_key_that_works(app, client, db):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["open311-key", "市长热线平台"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("o311_") and len(key) > 40
    db.session.rollback()
    row = db.session.scalar(select(Open311Key).where(Open311Key.client_name == "市长热线平台"))
    assert row.key_hash == hash_token(key) and key not in row.key_hash
    assert client.post(f"{BASE}/requests.json", data={**GOOD, "api_key": key}).status_code == 201


def test_cli_refuses_an_empty_name(app, db):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["open311-key", " "])
    assert result.exit_code != 0 and "name" in result.output
    db.session.rollback()
    assert db.session.scalars(select(Open311Key)).all() == []


def test_admin_page_lists_issues_and_revokes(login, db, client, api_key):
    admin = login("admin")
    page = admin.get("/admin/open311/")
    assert page.status_code == 200
    assert "城市服务App" in page.text and api_key not in page.text
    client.post(f"{BASE}/requests.json", data={**GOOD, "api_key": api_key})  # a use

    issued = admin.post("/admin/open311/", data={"name": "网格化平台"})
    assert issued.status_code == 200
    db.session.rollback()
    new = db.session.scalar(select(Open311Key).where(Open311Key.client_name == "网格化平台"))
    shown = [w for w in issued.text.split(">") if w.startswith("o311_")]
    assert shown and hash_token(shown[0].split("<")[0]) == new.key_hash
    assert admin.get("/admin/open311/").text.count("o311_") == 0  # shown once only

    old = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == hash_token(api_key)))
    assert old.last_used_at is not None
    assert admin.post(f"/admin/open311/{old.id}/revoke").status_code == 302
    db.session.rollback()
    assert db.session.get(Open311Key, old.id).revoked_at is not None
    refused = client.post(f"{BASE}/requests.json", data={**GOOD, "api_key": api_key})
    assert refused.status_code == 403
    assert admin.post("/admin/open311/99999/revoke").status_code == 404


def test_issuing_without_a_name_shows_the_mistake(login, db):
    answer = login("admin").post("/admin/open311/", data={"name": ""})
    assert answer.status_code == 422
    db.session.rollback()
    assert db.session.scalars(select(Open311Key)).all() == []


def test_only_administrators(login, client):
    assert login("supervisor1").get("/admin/open311/").status_code == 403
    assert login("operator1").post("/admin/open311/", data={"name": "x"}).status_code == 403
    assert client.get("/admin/open311/").status_code in (302, 403)  # never the page
