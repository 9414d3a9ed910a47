"""公开数据 (/public) as a citizen sees it: per-department rates and the months of the last
year, no login, nothing about any caller or case, computed once per cache period."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from app.models import utcnow
from app.web import public_stats
from dispatch import disclosure, settings, stats

NAME = "欧阳锦绣"
PHONE = "13987654321"
PHONE_FORMS = (PHONE, "139 8765 4321", "139-8765-4321", "+8613987654321", "138****4321")
ADDRESS = "和平街6号2单元"
DESCRIPTION = "欧阳家三楼从前天起停水至今未恢复"


@pytest.fixture(autouse=True)
def fresh_cache(app):
    public_stats.cache(app).forget()
    yield
    public_stats.cache(app).forget()


def last_month():
    """A moment of the month before this one (the page shows the twelve whole months
    before this month)."""
    today = utcnow().astimezone(settings.timezone()).date()
    return datetime.combine(today.replace(day=1) - timedelta(days=3), time(12), UTC)


@pytest.fixture
def cases(make_case):
    at = last_month()
    personal = {
        "caller_name": NAME,
        "caller_phone": PHONE,
        "address": ADDRESS,
        "description": DESCRIPTION,
    }
    return [
        make_case("closed", at=at, **personal),
        make_case("replied", at=at, **personal),
        make_case("dispatched", at=at, category="gas.leak", **personal),
    ]


def test_no_login_and_the_services_rates(client, cases):
    answer = client.get("/public")
    assert answer.status_code == 200
    html = answer.text
    found = disclosure.disclosure(utcnow())
    water = next(d for d in found.departments if d.code == "water")
    row = re.search(r'<tr data-department="water">.*?</tr>', html, re.S).group(0)
    assert f'<td class="num">{water.figures.received}</td>' in row
    assert "50.0%" in row  # 1 of 2 water cases closed
    month = last_month().date().isoformat()[:7]
    assert f'data-month="{month}"' in html
    this_month = utcnow().astimezone(settings.timezone()).date().isoformat()[:7]
    assert f'data-month="{this_month}"' not in html
    assert len(found.months) == 12
    report = stats.report(found.start, found.end, now=utcnow(), by="department")
    assert found.totals.received == report.totals.received == 3


def test_no_personal_data_on_the_page(client, cases):
    html = client.get("/public").text
    for text in (NAME, ADDRESS, DESCRIPTION, *PHONE_FORMS, "4321", cases[0].number):
        assert text not in html, text


def test_served_from_the_cache_the_second_time(client, cases, make_case):
    first = client.get("/public").text
    assert "<b>3</b>" in first
    make_case("dispatched", at=last_month())
    make_case("dispatched", at=utcnow())  # this month: not published before it ends
    assert "<b>3</b>" in client.get("/public").text  # cached: the new case is not counted yet
    public_stats.cache(client.application).forget()  # as when the time-to-live has passed
    assert "<b>4</b>" in client.get("/public").text


def test_the_cache_computes_again_after_its_time_to_live():
    clock = [100.0]
    cache = public_stats.TtlCache(300, clock=lambda: clock[0])
    computed = []

    def compute():
        computed.append(clock[0])
        return len(computed)

    assert cache.get(compute) == 1
    clock[0] += 299
    assert cache.get(compute) == 1
    clock[0] += 1
    assert cache.get(compute) == 2
    assert computed == [100.0, 400.0]


def test_no_external_resource_and_linked_from_the_citizens_pages(client, cases):
    html = client.get("/public").text
    assert re.findall(r'(?:src|href)\s*=\s*["\']?\s*https?://', html, re.I) == []
    assert 'href="/public"' in client.get("/track").text
    assert 'href="/public"' in client.get("/report").text
    assert 'name="viewport"' in html


def test_an_empty_year(client, db):
    html = client.get("/public").text
    assert "<b>0</b>" in html
    assert "本期没有工单" in html or "No case in this period" in html
