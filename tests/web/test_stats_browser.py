"""In headless Chromium: the dashboard's and the monthly report's charts really draw (ECharts,
served from our own static files, renders an SVG inside each chart container)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chromium, log_in, screenshot
from tests.livetools import live_server


@pytest.fixture(scope="module")
def server(app):
    with live_server(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True) as running:
        yield running


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def drawn(browser, name: str) -> int:
    """How many shapes ECharts drew in the chart container `name`."""
    selector = f"#chart-{name} svg path, #chart-{name} svg rect, #chart-{name} svg text"
    return len(browser.find_elements(By.CSS_SELECTOR, selector))


@pytest.mark.parametrize(
    "path, charts",
    [
        (
            "/stats/?period=custom&from=2026-11-01&to=2026-11-30",
            ("series", "departments", "categories"),
        ),
        ("/stats/monthly?month=2026-11", ("series", "departments", "categories")),
    ],
)
def test_the_charts_draw(server, db, browser, make_case, path, charts):
    make_case("closed")
    make_case("replied")
    make_case("dispatched", category="gas.leak", description="楼道燃气味")
    _, base = server
    log_in(browser, base, "supervisor1")
    wait = WebDriverWait(browser, 15)
    wait.until(lambda b: "/login" not in b.current_url)  # the login has gone through
    browser.get(base + path)
    for name in charts:
        wait.until(lambda b, name=name: drawn(b, name) > 5)
    log = browser.get_log("browser")
    errors = [e for e in log if e["level"] == "SEVERE" and e["source"] == "javascript"]
    assert errors == []
    screenshot(browser, path.split("?")[0].strip("/").replace("/", "-"))
