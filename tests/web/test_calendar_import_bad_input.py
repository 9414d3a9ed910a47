"""A calendar CSV the csv module itself refuses (a field over its 131,072-character limit)
is the page's usual import error naming the line, with nothing saved; a file with old Mac
line ends ("\r" alone) is read line by line."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.models import CalendarOverride


def count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CalendarOverride))


def upload(client, content: str):
    data = {"year": "2031", "file": (io.BytesIO(content.encode()), "schedule.csv")}
    return client.post("/admin/calendar/import", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    "content, line",
    [
        ("date,type,note\n2031-01-01,holiday,元旦\n2031-01-02,holiday," + "假" * 131_073, 3),
        ("date,type,note\n2031-01-01,holiday,元旦\n" + "2" * 140_000 + ",holiday\n", 3),
        ('date,type,note\n2031-01-01,holiday,"' + "x" * 200_000 + '"\n', 2),
    ],
)
def test_a_field_over_the_csv_limit_is_the_import_error_of_its_line(login, db, content, line):
    refused = upload(login("admin"), content)
    assert refused.status_code == 422
    assert f"第{line}行:最多200个字" in refused.text  # line N: at most 200 characters
    assert count(db) == 0


def test_a_long_note_within_the_csv_limit_says_the_same_as_before(login, db):
    refused = upload(login("admin"), "date,type,note\n2031-01-01,holiday," + "假" * 131_072)
    assert refused.status_code == 422 and "第2行:note:须为最多200个字的文本" in refused.text
    assert count(db) == 0


def test_carriage_returns_alone_end_lines(login, db):
    done = upload(login("admin"), "date,type,note\r2031-01-01,holiday,元旦\r2031-02-07,workday,\r")
    assert done.status_code == 302
    assert count(db) == 2
