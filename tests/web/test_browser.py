"""In headless Chromium: the operator's live board shows a case created through the API,
and an incoming call, without a reload (screenshots go to instance/screenshots/)."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from app.models import Case
from tests.browser import chromium, log_in, screenshot
from tests.livetools import live_server, token_for

BODY = {
    "channel": "phone",
    "caller_phone": "13812341234",
    "category": "gas.leak",
    "description": "楼道里有很浓的燃气味",
    "address": "幸福路18号3单元",
}


@pytest.fixture(scope="module")
def server(app):
    config = {"WTF_CSRF_ENABLED": True}
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **config) as running:
        yield running


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def test_the_board_shows_a_new_case_without_a_reload(server, db, browser):
    live_app, base = server
    log_in(browser, base, "operator1")
    wait = WebDriverWait(browser, 15)
    wait.until(ec.text_to_be_present_in_element((By.ID, "connection"), "●"))
    marker = browser.execute_script("window.notReloaded = true; return window.notReloaded;")
    assert marker
    headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
    created = requests.post(base + "/api/v1/cases", json=BODY, headers=headers, timeout=10)
    number = created.json()["number"]
    wait.until(ec.text_to_be_present_in_element((By.ID, "feed"), number))
    item = browser.find_element(By.CSS_SELECTOR, "#feed li")
    assert "emergency" in item.get_attribute("class")  # impossible to miss
    # the hotline's local time, 24-hour, and the department by its name
    local = datetime.fromisoformat(created.json()["created_at"]).astimezone(
        ZoneInfo(live_app.config["TIMEZONE"])
    )
    assert item.text.startswith(local.strftime("%H:%M:")), item.text
    assert "市燃气集团" in item.text and "PM" not in item.text and "AM" not in item.text
    assert browser.execute_script("return window.notReloaded === true;")
    screenshot(browser, "board-live-case")


def test_an_incoming_call_pops_up_with_the_callers_cases(server, db, browser, make_case):
    live_app, base = server
    earlier = make_case("dispatched", caller_phone="13912345678")
    log_in(browser, base, "operator1")
    wait = WebDriverWait(browser, 15)
    wait.until(ec.text_to_be_present_in_element((By.ID, "connection"), "●"))
    call = {"CallSid": "CA" + "9" * 32, "From": "+8613912345678", "To": "+8612319000000"}
    assert requests.post(base + "/twilio/voice", data=call, timeout=10).status_code == 200
    wait.until(ec.text_to_be_present_in_element((By.ID, "calls"), earlier.number))
    link = browser.find_element(By.CSS_SELECTOR, "#calls a.button")
    assert "phone=%2B8613912345678" in link.get_attribute("href")
    screenshot(browser, "board-incoming-call")
    link.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "caller-history"), earlier.number))
    assert browser.find_element(By.ID, "caller_phone").get_attribute("value") == "+8613912345678"
    screenshot(browser, "intake-from-call")


def test_typing_an_address_and_category_suggests_a_possible_duplicate(
    server, db, browser, make_case
):
    from selenium.webdriver.support.ui import Select

    from app.models import utcnow

    _, base = server
    original = make_case("dispatched", caller_phone="13700001111", at=utcnow())
    log_in(browser, base, "operator1")
    browser.get(base + "/cases/new")
    wait = WebDriverWait(browser, 15)
    browser.find_element(By.ID, "caller_phone").send_keys("13600002222")  # another caller
    Select(browser.find_element(By.NAME, "category")).select_by_value("water.outage")
    browser.find_element(By.NAME, "address").send_keys(" 幸福路18号 ")
    wait.until(ec.text_to_be_present_in_element((By.ID, "caller-history"), original.number))
    panel = browser.find_element(By.ID, "caller-history").text
    assert "疑似重复" in panel and "同一地址和类别" in panel
    screenshot(browser, "intake-duplicates")


def test_a_citizen_shares_the_phones_location_with_a_web_report(server, db, browser):
    _, base = server
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 39.9042, "longitude": 116.4074, "accuracy": 10},
    )
    browser.get(base + "/report")
    fill = {"caller_phone": "13987654321", "description": "路口有一个大坑", "address": "中山路"}
    for name, value in fill.items():
        browser.find_element(By.NAME, name).send_keys(value)
    Select(browser.find_element(By.NAME, "category")).select_by_value("roads.pothole")
    browser.find_element(By.ID, "share-location").click()
    wait = WebDriverWait(browser, 15)
    wait.until(ec.text_to_be_present_in_element((By.ID, "location-state"), "39.904200"))
    assert "已提供位置" in browser.find_element(By.ID, "location-state").text
    screenshot(browser, "report-location")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait.until(ec.url_contains("/report/received"))
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.address == "中山路"))
    assert (case.latitude, case.longitude) == (39.9042, 116.4074)


def test_a_desk_moved_to_another_department_follows_its_events(app, db, browser):
    """The administrator moves the handler to gas while their desk is open: the server
    closes the desk's live feed, the page reconnects by itself and shows gas's new case."""
    from app.extensions import db as _db
    from app.sqlite import writing
    from dispatch import directory

    moved = {"display_name": "李工", "role": "handler", "department": "gas", "phone": ""}
    config = {"WTF_CSRF_ENABLED": True, "LIVE_RECHECK_SECONDS": 0.2}
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], **config) as (live_app, base):
        log_in(browser, base, "water1")
        wait = WebDriverWait(browser, 15)
        wait.until(ec.text_to_be_present_in_element((By.ID, "connection"), "●"))
        browser.execute_script("window.notReloaded = true;")
        with live_app.app_context(), writing():
            directory.update_user(directory.user_named("water1"), moved)
            _db.session.commit()
        time.sleep(1)  # closed within 0.2 s; the page reconnects a second later
        wait.until(ec.text_to_be_present_in_element((By.ID, "connection"), "●"))
        headers = {"Authorization": f"Bearer {token_for(live_app, 'operator1')}"}
        gas = {**BODY, "category": "gas.outage", "description": "小区停气"}
        created = requests.post(base + "/api/v1/cases", json=gas, headers=headers, timeout=10)
        wait.until(ec.text_to_be_present_in_element((By.ID, "feed"), created.json()["number"]))
        assert browser.execute_script("return window.notReloaded === true;")
