"""A caller's full number and name reach only the roles that need them (can_see_caller):
those who see the number masked cannot recover it by searching for it, the public lookup
masks what a department wrote into its answer, and the logs mask numbers."""

from __future__ import annotations

import logging

from app.logmasking import MaskNumbers, mask_request_log
from app.models import Action
from app.sqlite import writing
from dispatch import lifecycle
from notifications.gateway import ConsoleGateway

NAME = "欧阳娜娜"
PHONE = "13812345678"


def dispatched_with_gas_assisting(make_case, user, now, db):
    case = make_case("registered", caller_name=NAME, caller_phone=PHONE)
    with writing():
        routed = {"department": "water", "assist": ["gas"]}
        lifecycle.act(case, Action.DISPATCH, user("operator1"), now, routed)
        db.session.commit()
    return case


def test_a_masked_number_cannot_be_found_by_searching_for_it(
    client, auth_header, login, make_case, user, now, db
):
    case = dispatched_with_gas_assisting(make_case, user, now, db)
    gas = auth_header("gas1")  # assisting: sees the case, the number masked
    assert client.get(f"/api/v1/cases?q={case.number}", headers=gas).json["total"] == 1
    by_phone = client.get(f"/api/v1/cases?phone={PHONE}", headers=gas)
    assert by_phone.status_code == 200 and by_phone.json["total"] == 0
    lead = client.get(f"/api/v1/cases?phone={PHONE}", headers=auth_header("water1")).json
    assert [c["number"] for c in lead["items"]] == [case.number]
    operator = client.get(f"/api/v1/cases?phone={PHONE}", headers=auth_header("operator1")).json
    assert operator["total"] == 1

    admin = client.get(f"/api/v1/cases?phone={PHONE}", headers=auth_header("admin"))
    assert admin.status_code == 422 and "phone" in admin.json["error"]["fields"]
    page = login("admin").get(f"/cases/?phone={PHONE}").text
    assert "不能按来电号码查找工单" in page and case.number not in page


def test_duplicates_do_not_match_by_a_number_the_viewer_sees_masked(
    client, auth_header, make_case, user, now, db
):
    gas_case = make_case("dispatched", category="gas.leak", caller_name=NAME, caller_phone=PHONE)
    assert gas_case.department.code == "gas"
    case = dispatched_with_gas_assisting(make_case, user, now, db)
    gas = auth_header("gas1")
    found = client.get(f"/api/v1/cases/{case.number}/duplicates", headers=gas).json["items"]
    assert gas_case.number not in [c["number"] for c in found]  # it would show the number
    operator = auth_header("operator1")
    found = client.get(f"/api/v1/cases/{case.number}/duplicates", headers=operator).json["items"]
    assert [(c["number"], c["reasons"]) for c in found] == [(gas_case.number, ["phone"])]


def test_the_public_lookup_masks_the_caller_in_the_departments_answer(
    client, make_case, user, now, db
):
    case = make_case("accepted", caller_name=NAME, caller_phone=PHONE)
    answer = f"{NAME}女士您好:管道已修复,已电话{PHONE}与您确认。"
    with writing():
        lifecycle.act(case, Action.REPLY, user("water1"), now, {"text": answer})
        lifecycle.act(case, Action.APPROVE_REPLY, user("operator1"), now, {})
        lifecycle.act(case, Action.CALLBACK, user("operator1"), now, {"satisfied": True})
        db.session.commit()
    page = client.get(f"/track?number={case.number}&phone_last4=5678").text
    assert "欧***女士您好:管道已修复,已电话138********与您确认。" in page
    assert NAME not in page and PHONE not in page
    api = client.get(f"/api/v1/track?number={case.number}&phone_last4=5678").json
    assert api["answer"] == "欧***女士您好:管道已修复,已电话138********与您确认。"


def test_the_console_texts_log_no_full_number(caplog):
    caplog.set_level(logging.INFO, logger="notifications.gateway")
    ConsoleGateway().send("+8613800010001", f"【12319热线】到场后请联系报告人,电话{PHONE}")
    assert "联系报告人,电话138********" in caplog.text
    assert PHONE not in caplog.text and "13800010001" not in caplog.text


def test_the_development_servers_request_lines_mask_numbers(caplog):
    mask_request_log()
    mask_request_log()  # once is enough: no second filter
    werkzeug = logging.getLogger("werkzeug")
    assert sum(isinstance(f, MaskNumbers) for f in werkzeug.filters) == 1
    caplog.set_level(logging.INFO, logger="werkzeug")
    werkzeug.info('127.0.0.1 - - "%s" 200 -', f"GET /cases/caller?phone={PHONE}&address= HTTP/1.1")
    werkzeug.info('"GET /cases/new?phone=%%2B86%s HTTP/1.1" 200 -', PHONE)
    werkzeug.info('"GET /cases/R2026120300001 HTTP/1.1" 200 -')
    assert "phone=138********&address=" in caplog.text
    assert "phone=+861**********" in caplog.text
    assert "/cases/R2026120300001" in caplog.text and "5678" not in caplog.text


def test_open311_does_not_publish_a_voicemails_recording(client, make_case):
    recording = "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/RE0123456789abcdef"
    case = make_case(category="consult", description=f"非工作时间留言,请回电。录音:{recording}")
    (shown,) = client.get(f"/open311/v2/requests/{case.number}.json").get_json()
    assert shown["description"] == "非工作时间留言,请回电。录音:[链接]"
