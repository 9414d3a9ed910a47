"""What the system itself writes on a page is in the page's language: error pages, the
routing's reasons, refusals and field errors from the services, the outbox's own errors.
Data (names, descriptions, rule names) stays as it was entered."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import OutboxMessage
from app.sqlite import writing
from notifications import delivery, outbox

CJK = re.compile(r"[\u4e00-\u9fff]")


def english(client):
    client.get("/lang/en")
    return client


def heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def test_error_pages_are_headed_in_the_pages_language(login, app, monkeypatch):
    water = login("water1")
    missing = water.get("/cases/R2099010100001")
    assert missing.status_code == 404
    assert heading(missing.text) == "未找到" and "Not Found" not in missing.text
    assert heading(water.get("/admin/users").text) == "无权访问"
    assert heading(water.delete("/desk/board").text) == "此地址不接受这种请求"
    english(water)
    assert heading(water.get("/cases/R2099010100001").text) == "Not found"
    assert "Not found, or not visible to you." in water.get("/cases/R2099010100001").text

    operator = login("operator1")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    stale = operator.post("/cases/new", data={"description": "x"})
    assert stale.status_code == 400
    assert heading(stale.text) == "请求有误" and "请返回、刷新后重新提交" in stale.text


def test_try_it_says_why_in_the_pages_language(login):
    admin = login("admin")
    trial = {"description": "楼道里燃气味很重", "category": "gas", "channel": "phone"}
    tried = admin.post("/admin/routing/try", data=trial).text
    why = re.search(r"原因:(.*?)</p>", tried, re.S).group(1)
    assert "关键词" in why and "keyword" not in why and "rule" not in why
    assert '<option value="letter" >来信</option>' in tried  # not the code
    english(admin)
    tried = admin.post("/admin/routing/try", data=trial).text
    why = re.search(r"Why:(.*?)</p>", tried, re.S).group(1)
    assert "Keyword" in why
    assert '<option value="letter" >Letter</option>' in tried


def test_a_case_left_waiting_says_why_in_the_pages_language(login, make_case):
    case = make_case(category="consult", description="想了解一下公租房的申请条件")
    assert case.department is None  # 待派: no rule, no default department
    supervisor = login("supervisor1")
    page = supervisor.get(f"/cases/{case.number}").text
    assert "未命中分派规则,事项分类无默认部门,待人工派单" in page
    assert "no rule matched" not in page
    english(supervisor)
    assert "no rule matched and the category has no default department" in (
        supervisor.get(f"/cases/{case.number}").text
    )


def test_a_repeated_transfer_in_is_refused_in_the_pages_language(login):
    operator = login("operator1")
    transfer = {
        "channel": "transfer",
        "caller_phone": "13812341234",
        "category": "water.outage",
        "description": "12345转来:幸福路停水",
        "external_ref": "ABC-1",
        "source_hotline": "12345",
    }
    first = operator.post("/cases/new", data={**transfer, "intake_key": "form-1"})
    assert first.status_code == 302
    again = operator.post("/cases/new", data={**transfer, "intake_key": "form-2"})  # a new form
    assert again.status_code == 422
    assert "12345的编号ABC-1已转入,工单号R" in again.text
    assert "transferred in already" not in again.text


def test_a_bad_filter_or_action_is_named_in_the_pages_language(login, make_case):
    operator = login("operator1")
    listing = operator.get("/cases/?status=nonsense").text
    assert "状态: 没有这个状态" in listing and "unknown status" not in listing
    case = make_case()
    refused = operator.post(f"/cases/{case.number}/nonsense", follow_redirects=True)
    assert "操作: 没有这个操作" in refused.text and "action:" not in refused.text


def test_the_outboxs_own_errors_are_shown_in_the_pages_language(login, db, now):
    with writing():
        outbox.queue("receipt:1", "+8613812345678", "【12319热线】R1", template="receipt", now=now)
        db.session.commit()
        row = db.session.scalars(select(OutboxMessage)).one()
        row.status, row.error = "cancelled", delivery.OPTED_OUT
        db.session.commit()
        row_id = row.id
    admin = login("admin")
    assert "号码已退订" in admin.get("/admin/sms/").text
    assert "号码已退订" in admin.get(f"/admin/sms/{row_id}").text
    with writing():
        db.session.get(OutboxMessage, row_id).error = delivery.WORKER_STOPPED
        db.session.commit()
    assert "发送结果未知:发送进程在记录结果前停止" in admin.get(f"/admin/sms/{row_id}").text
    english(admin)
    page = admin.get(f"/admin/sms/{row_id}").text
    assert "not known whether it went out: the sending worker stopped first" in page


def test_the_report_names_location_fields_in_the_pages_language(app, db):
    browser = app.test_client()
    form = {
        "caller_phone": "13987654321",
        "category": "roads.pothole",
        "description": "路口有坑",
        "latitude": "north",
        "longitude": "120.1",
    }
    answer = browser.post("/report", data=form)
    assert answer.status_code == 422
    assert "纬度和经度须同时为WGS84经纬度" in answer.text and "latitude和" not in answer.text


def test_the_transfer_out_example_is_in_the_pages_language(login, make_case):
    case = make_case()
    supervisor = english(login("supervisor1"))
    page = supervisor.get(f"/cases/{case.number}").text
    example = re.search(r'name="destination"[^>]*placeholder="([^"]*)"', page).group(1)
    assert not CJK.search(example)


def test_departments_and_categories_are_named_in_the_pages_language(login, make_case):
    case = make_case()  # 停水, 市供水集团
    operator = login("operator1")
    page = operator.get(f"/cases/{case.number}").text
    assert "市供水集团" in page and "停水" in page
    english(operator)
    page = operator.get(f"/cases/{case.number}").text
    assert "Water Supply" in page and "市供水集团" not in page
    listing = operator.get("/cases/").text
    assert "Water Supply" in listing and "市供水集团" not in listing
    board = operator.get("/desk/board").text
    names = re.search(r'id="department-names"[^>]*>([^<]*)<', board).group(1)
    assert "Water Supply" in names and "市供水集团" not in names
    handler = english(login("water1"))
    assert "Water Supply" in handler.get("/desk/department").text
