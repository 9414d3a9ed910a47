"""批量备案: closed cases not yet archived, oldest first, archived by selection or all closed
before a date (in batches), each through the lifecycle with its one history event; a case
that changed meanwhile is skipped and reported; only operators and supervisors do it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent
from app.sqlite import writing
from dispatch import archiving, lifecycle
from dispatch.errors import NotAllowed

TZ = ZoneInfo("Asia/Shanghai")


def closed_days_ago(make_case, now, *days: int) -> list[Case]:
    return [make_case("closed", at=now - timedelta(days=d)) for d in days]


def fresh(db, case: Case) -> Case:
    db.session.rollback()
    return db.session.get(Case, case.id, populate_existing=True)


def archive_events(db, case: Case) -> int:
    db.session.rollback()
    query = select(func.count()).where(CaseEvent.case_id == case.id, CaseEvent.action == "archive")
    return db.session.scalar(query)


def local_day(moment) -> str:
    return moment.astimezone(TZ).date().isoformat()


def test_the_page_lists_closed_cases_oldest_first_and_filters_by_date(db, login, make_case, now):
    old, middle, recent = closed_days_ago(make_case, now, 10, 5, 1)
    open_case = make_case("replied")
    archived = make_case("archived")
    page = login("operator1").get("/desk/archive/").text
    positions = [page.find(c.number) for c in (old, middle, recent)]
    assert -1 not in positions and positions == sorted(positions)
    assert open_case.number not in page and archived.number not in page
    before = login("operator1").get(f"/desk/archive/?before={local_day(now - timedelta(days=3))}")
    assert old.number in before.text and middle.number in before.text
    assert recent.number not in before.text
    bad = login("operator1").get("/desk/archive/?before=yesterday")
    assert bad.status_code == 422 and "2026-11-01" in bad.text
    assert "批量备案" in login("supervisor1").get("/desk/board").text  # linked from the board


def test_archive_selected_skips_a_case_reopened_meanwhile(db, login, make_case, now, user):
    first, second, untouched = closed_days_ago(make_case, now, 4, 3, 2)
    operator = login("operator1")
    listed = operator.get("/desk/archive/").text
    assert first.number in listed and second.number in listed
    with writing():  # meanwhile a supervisor reopens the second
        lifecycle.act(
            second, lifecycle.Action.REOPEN, user("supervisor1"), now, {"reason": "再次反映"}
        )
        db.session.commit()
    answer = operator.post(
        "/desk/archive/selected",
        data={"number": [first.number, second.number]},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "已备案1件工单" in answer.text and f"已跳过{second.number}" in answer.text
    assert fresh(db, first).status == "archived" and archive_events(db, first) == 1
    assert fresh(db, second).status == "dispatched" and archive_events(db, second) == 0
    assert fresh(db, untouched).status == "closed"
    again = operator.post("/desk/archive/selected", data={}, follow_redirects=True)
    assert "请至少选择一件工单" in again.text


def test_archive_all_closed_before_a_date_in_batches(db, login, make_case, now, user, monkeypatch):
    monkeypatch.setattr(archiving, "BATCH", 2)
    early = closed_days_ago(make_case, now, 9, 8, 8, 7, 6)
    late = closed_days_ago(make_case, now, 1)[0]
    reopened = make_case("closed", at=now - timedelta(days=7))
    with writing():
        lifecycle.act(
            reopened, lifecycle.Action.REOPEN, user("supervisor1"), now, {"reason": "未解决"}
        )
        db.session.commit()
    day = local_day(now - timedelta(days=3))
    answer = login("supervisor1").post(
        "/desk/archive/before", data={"before": day}, follow_redirects=True
    )
    assert "已备案5件工单" in answer.text
    assert all(fresh(db, c).status == "archived" and archive_events(db, c) == 1 for c in early)
    assert fresh(db, late).status == "closed" and fresh(db, reopened).status == "dispatched"
    bad = login("supervisor1").post("/desk/archive/before", data={"before": "3 days ago"})
    assert bad.status_code == 302 and fresh(db, late).status == "closed"


def test_handlers_do_not_archive_in_bulk(db, login, make_case, now, user):
    case = closed_days_ago(make_case, now, 2)[0]
    water = login("water1")
    assert water.get("/desk/archive/").status_code == 403
    assert water.post("/desk/archive/selected", data={"number": case.number}).status_code == 403
    assert water.post("/desk/archive/before", data={"before": "2030-01-01"}).status_code == 403
    with pytest.raises(NotAllowed):
        archiving.archive_selected([case.number], user("water1"), now)
    assert fresh(db, case).status == "closed" and archive_events(db, case) == 0
