"""In headless Chromium: the dashboard's and the monthly report's charts really draw (ECharts,
served from our own static files, renders an SVG inside each chart container)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
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


def test_the_monthly_report_prints_on_a4_one_section_a_page(server, db, browser, make_case):
    make_case("closed")
    make_case("dispatched", category="gas.leak", description="楼道燃气味")
    _, base = server
    log_in(browser, base, "supervisor1")
    wait = WebDriverWait(browser, 15)
    wait.until(lambda b: "/login" not in b.current_url)
    browser.get(base + "/stats/monthly?month=2026-11")
    wait.until(lambda b: drawn(b, "categories") > 5)
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in cm
    pdf = PdfReader(io.BytesIO(base64.b64decode(browser.print_page(options))))
    pages = [re.sub(r"[ \t]+", "", page.extract_text()) for page in pdf.pages]
    assert round(float(pdf.pages[0].mediabox.width) / 72 * 2.54, 1) == 21.0
    assert "12319热线月度报告(2026-11)" in pages[0] and "本月与上月对比" in pages[0]
    assert "实时看板" not in "".join(pages)  # no navigation on paper
    starts = [text.strip().splitlines()[0] for text in pages if text.strip()]
    for heading in ("按承办部门", "按事项分类", "热点分析", "统计口径"):
        assert any(s.startswith(heading) for s in starts), (heading, starts)  # begins a page
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    browser.set_window_size(794, 3000)  # A4's width at 96 dpi
    screenshot(browser, "stats-monthly-print")
