"""The administrator's calendar and deadline policy pages: what a user sees and what a
bad input does (422, a message, nothing saved); other roles are refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import CalendarOverride, Case, DeadlinePolicy

TZ = ZoneInfo("Asia/Shanghai")


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, content: str, year: int = 2031):
    data = {"year": str(year), "file": (io.BytesIO(content.encode()), "schedule.csv")}
    return client.post("/admin/calendar/import", data=data, content_type="multipart/form-data")


def test_other_roles_are_refused_and_nothing_is_saved(login, client, db):
    assert "/login" in client.get("/admin/calendar").location
    for username in ("operator1", "supervisor1", "water1"):
        user = login(username)
        assert user.get("/admin/calendar").status_code == 403
        assert user.get("/admin/deadlines").status_code == 403
        refused = user.post("/admin/calendar", data={"date": "2031-01-02", "type": "holiday"})
        assert refused.status_code == 403
        assert "/admin/calendar" not in user.get("/cases/").text
    assert count(db, CalendarOverride) == 0


def test_admins_find_both_pages_in_the_menu(login):
    home = login("admin").get("/admin/users").text
    assert "/admin/calendar" in home and "/admin/deadlines" in home
    assert "工作日历" in home and "办理时限" in home


def test_adding_and_removing_a_date_and_the_422s(login, db):
    admin = login("admin")
    done = admin.post(
        "/admin/calendar", data={"date": "2026-11-23", "type": "holiday", "note": "防汛"}
    )
    assert done.status_code == 302
    page = admin.get(done.location).text
    assert "2026-11-23" in page and "防汛" in page
    for form, message in [
        ({"date": "2026-02-30", "type": "holiday"}, "不是有效的日期"),
        ({"date": "23/11/2026", "type": "holiday"}, "须为日期,如2027-01-01"),
        ({"date": "2026-11-24", "type": "weekend"}, "须为holiday(节假日)或workday(工作日)"),
        ({"date": "2026-11-23", "type": "workday"}, "该日期已有调整,请先删除"),
    ]:
        refused = admin.post("/admin/calendar", data=form)
        assert refused.status_code == 422 and message in refused.text
    assert count(db, CalendarOverride) == 1
    assert admin.post("/admin/calendar/2026-11-23/delete").status_code == 302
    assert count(db, CalendarOverride) == 0
    assert admin.post("/admin/calendar/2026-11-23/delete").status_code == 404
    assert admin.post("/admin/calendar/nonsense/delete").status_code == 404


def test_a_year_no_source_covers_is_named_and_an_import_covers_it(login, db, make_case):
    admin = login("admin")
    page = admin.get("/admin/calendar?year=2031").text
    assert "2031年没有任何节假日数据" in page and "仅按周一至周五" in page
    assert "2026年没有任何节假日数据" not in page  # the library covers 2026
    done = upload(
        admin,
        "date,type,note\n2031-01-01,holiday,元旦\n\n2031-01-06,holiday,测试\n2031-01-04,workday\n",
    )
    assert done.status_code == 302
    page = admin.get(done.location).text
    assert "已导入:新增 3 个,更新 0 个" in page
    assert "2031年没有任何节假日数据" not in page and "元旦" in page
    friday = datetime(2031, 1, 3, 10, 0, tzinfo=TZ)
    # Saturday the 4th made a workday, Monday the 6th a holiday: 4th, 7th, 8th
    assert make_case(at=friday).due_at == datetime(2031, 1, 8, 23, 59, 59, tzinfo=TZ)
    again = upload(admin, "date,type,note\n2031-01-06,workday,改回\n")
    assert again.status_code == 302
    assert "新增 0 个,更新 1 个" in admin.get(again.location).text
    assert make_case(at=friday).due_at == datetime(2031, 1, 7, 23, 59, 59, tzinfo=TZ)


def test_a_bad_csv_line_rejects_the_whole_file(login, db):
    admin = login("admin")
    for content, message in [
        (
            "date,type,note\n2031-01-01,holiday,元旦\n2031-02-30,holiday,\n",
            "第3行:date:不是有效的日期",
        ),
        (
            "date,type,note\n2031-01-01,holiday\n2031-01-02,day off\n",
            "第3行:type:须为holiday(节假日)或workday(工作日)",
        ),
        (
            "date,type,note\n2031-01-01,holiday\n2031-01-01,workday\n",
            "第3行:2031-01-01出现了两次",
        ),
        ("2031-01-01,holiday\n", "第1行:第一行须为表头date,type,note"),
        ("date,type,note\n2031-01-01,holiday,a,b\n", "第2行:应为date,type,note三列"),
        ("date,type,note\n", "没有日期"),
    ]:
        refused = upload(admin, content)
        assert refused.status_code == 422 and message in refused.text, content
    refused = admin.post(
        "/admin/calendar/import",
        data={
            "file": (
                io.BytesIO("date,type\n2031-01-01,holiday\n".encode("gbk") + b"\xff\xfe"),
                "x.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "须为UTF-8文本" in refused.text
    assert count(db, CalendarOverride) == 0


def test_the_policy_page_lists_adds_edits_and_removes(login, db, client):
    admin = login("admin")
    page = admin.get("/admin/deadlines").text
    assert "个工作日" in page and "优先" in page  # the seeded defaults and the precedence
    before = count(db, DeadlinePolicy)
    form = {"category": "water", "reply_amount": "10", "reply_unit": "hours", "note": "供水提速"}
    assert admin.post("/admin/deadlines", data=form).status_code == 302
    assert count(db, DeadlinePolicy) == before + 1
    for bad, message in [
        ({**form, "category": "nope"}, "没有这个编码"),
        ({**form, "reply_amount": "0"}, "须在1至720之间"),
        ({**form, "reply_amount": "x"}, "须为整数"),
        ({**form, "reply_unit": "weeks"}, "须为以下之一"),
        ({**form, "category": "gas", "onsite_hours": "2"}, "仅用于紧急事项的时限规则"),
        ({**form, "category": "gas", "priority": "emergency"}, "紧急事项必填"),
        (form, "已有该渠道、紧急程度和事项分类的时限规则"),
    ]:
        refused = admin.post("/admin/deadlines", data=bad)
        assert refused.status_code == 422 and message in refused.text, bad
    assert count(db, DeadlinePolicy) == before + 1
    [row] = db.session.scalars(select(DeadlinePolicy).where(DeadlinePolicy.note == "供水提速"))
    assert (
        admin.post(f"/admin/deadlines/{row.id}", data={**form, "reply_amount": "0"}).status_code
        == 422
    )
    assert (
        admin.post(f"/admin/deadlines/{row.id}", data={**form, "reply_amount": "6"}).status_code
        == 302
    )
    answer = admin.get(f"/admin/deadlines/{row.id}")
    assert 'value="6"' in answer.text
    assert admin.post(f"/admin/deadlines/{row.id}/delete").status_code == 302
    assert count(db, DeadlinePolicy) == before
    assert admin.post(f"/admin/deadlines/{row.id}/delete").status_code == 404


def test_a_policy_set_on_the_page_fixes_the_deadline_of_a_case_taken_by_the_api(
    login, client, auth_header, db
):
    admin = login("admin")
    form = {"category": "roads", "reply_amount": "10", "reply_unit": "hours"}
    assert admin.post("/admin/deadlines", data=form).status_code == 302
    body = {
        "channel": "phone",
        "caller_phone": "13812341234",
        "category": "roads.pothole",
        "description": "路面塌陷",
    }
    answer = client.post("/api/v1/cases", json=body, headers=auth_header("operator1"))
    assert answer.status_code == 201, answer.text
    case = answer.json
    created = datetime.fromisoformat(case["created_at"])
    assert datetime.fromisoformat(case["due_at"]) == created + timedelta(hours=10)
    gas = client.post(
        "/api/v1/cases", json={**body, "category": "gas.outage"}, headers=auth_header("operator1")
    )
    due = datetime.fromisoformat(gas.json["due_at"]).astimezone(TZ)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)


def test_lists_and_details_show_the_deadline_and_the_time_left(login, make_case, db):
    now = datetime.now(UTC)
    fresh = make_case(at=now)
    late = make_case(at=now - timedelta(days=20))
    operator = login("operator1")
    listing = operator.get("/cases/").text
    assert "剩余 " in listing and "超期 " in listing
    detail = operator.get(f"/cases/{fresh.number}").text
    shown = fresh.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    assert shown in detail and "剩余 " in detail and "天" in detail
    assert "超期 " in operator.get(f"/cases/{late.number}").text
    desk = login("water1").get("/desk/department").text
    assert late.number in desk and "超期 " in desk
    english = operator.get(f"/cases/{late.number}", headers={"Accept-Language": "en"})
    assert count(db, Case) == 2 and english.status_code == 200


def test_a_case_taken_just_before_midnight_is_shown_in_local_time(login, make_case):
    case = make_case(at=datetime(2026, 11, 19, 23, 59, tzinfo=TZ))
    assert case.created_at == datetime(2026, 11, 19, 15, 59, tzinfo=UTC)
    detail = login("operator1").get(f"/cases/{case.number}").text
    assert "2026-11-19 23:59" in detail and "2026-11-24 23:59" in detail
