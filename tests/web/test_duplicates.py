"""疑似重复: while the operator types, the intake panel suggests the cases of the last 30 days
with the same number, or the same address and category; the case page and the API list them
for a registered case, and one click links it to its original (mark_duplicate)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.models import Case, utcnow
from tests.api.test_openapi import conforms

CALLER, OTHER = "13812341234", "13900001111"
ADDRESS = "幸福路18号"


def originals(make_case, now) -> dict[str, Case]:
    day = timedelta(days=1)
    return {
        "same_phone": make_case(at=now - 10 * day, address="光明街1号", description="停水"),
        "same_place": make_case(
            at=now - 5 * day, caller_phone=OTHER, address=f"  {ADDRESS} ", description="又停水"
        ),
        "other_category": make_case(
            at=now - 3 * day, caller_phone=OTHER, category="water.quality", description="水发黄"
        ),
        "old_phone": make_case(at=now - 31 * day, address="光明街1号", description="旧的"),
        "old_place": make_case(at=now - 40 * day, caller_phone=OTHER, description="更旧的"),
        "elsewhere": make_case(at=now - 2 * day, caller_phone=OTHER, address="和平路2号"),
    }


def test_the_intake_panel_suggests_the_same_number_or_the_same_address_and_category(
    db, login, make_case
):
    found = originals(make_case, utcnow())  # the panel looks back from the request's time
    query = {"phone": "138 1234 1234", "address": f" {ADDRESS}  ", "category": "water.outage"}
    panel = login("operator1").get("/cases/caller", query_string=query).text
    suggested = panel.split("疑似重复")[1].split("</ul>")[0]
    assert {k for k, c in found.items() if c.number in suggested} == {"same_phone", "same_place"}
    assert "同一号码" in suggested and "同一地址和类别" in suggested
    by_place = (
        login("operator1")
        .get("/cases/caller", query_string={"address": ADDRESS, "category": "water.quality"})
        .text
    )
    listed = {k for k, c in found.items() if c.number in by_place}
    assert listed == {"other_category"}  # the same address under another category
    nothing = login("operator1").get("/cases/caller", query_string={"address": ADDRESS}).text
    assert "疑似重复" not in nothing  # an address alone is not enough


def test_suggestions_for_a_registered_case_in_the_page_and_the_api(
    db, client, auth_header, login, make_case, now
):
    found = originals(make_case, now)
    case = make_case(address=ADDRESS, description="今天又停水了")
    answer = client.get(f"/api/v1/cases/{case.number}/duplicates", headers=auth_header("operator1"))
    assert answer.status_code == 200
    conforms(answer.json, "DuplicateList")
    listed = [(item["number"], item["reasons"]) for item in answer.json["items"]]
    assert listed == [
        (found["same_place"].number, ["address_category"]),
        (found["same_phone"].number, ["phone"]),
    ]  # newest first; outside 30 days, another category or another place: not suggested
    assert answer.json["items"][1]["caller_phone"] == "+8613812341234"

    page = login("operator1").get(f"/cases/{case.number}").text
    assert f"标记为{found['same_phone'].number}的重复件" in page
    linked = login("operator1").post(
        f"/cases/{case.number}/mark_duplicate",
        data={"of": found["same_phone"].number},
        follow_redirects=True,
    )
    assert linked.status_code == 200
    db.session.rollback()
    case = db.session.get(Case, case.id, populate_existing=True)
    assert case.status == "closed" and case.duplicate_of.number == found["same_phone"].number
    assert case.events[-1].action == "mark_duplicate"
    assert "标记为" not in login("operator1").get(f"/cases/{case.number}").text  # linked now


def test_the_suggestions_respect_who_may_see_what(db, client, auth_header, login, make_case, now):
    found = originals(make_case, now)
    case = make_case(address=ADDRESS)
    url = f"/api/v1/cases/{case.number}/duplicates"
    assert client.get(url, headers=auth_header("gas1")).status_code == 404  # not their case
    assert client.get(url).status_code == 401
    water = client.get(url, headers=auth_header("water1")).json["items"]
    assert {item["number"] for item in water} == {
        found["same_place"].number,
        found["same_phone"].number,
    }
    page = login("water1").get(f"/cases/{case.number}").text
    assert "标记为" not in page  # handlers do not link duplicates
    assert login("water1").get("/cases/caller?phone=13812341234").status_code == 403


def test_the_address_lookup_uses_its_index(db):
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(
            row[0]
            for row in db.session.execute(
                text(
                    "EXPLAIN SELECT id FROM cases WHERE address = :a AND category_id = 1 "
                    "AND created_at >= now() - interval '30 days' ORDER BY created_at DESC"
                ),
                {"a": ADDRESS},
            )
        )
    else:
        plan = " ".join(
            str(row[-1])
            for row in db.session.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE address = :a "
                    "AND category_id = 1 AND created_at >= '2026-01-01' ORDER BY created_at DESC"
                ),
                {"a": ADDRESS},
            )
        )
    db.session.rollback()
    assert "ix_cases_address_category_id_created_at" in plan
