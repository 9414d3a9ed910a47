"""Photos and documents with a reply: checked by their content (not their name) and size,
stored by a random name under the upload folder, listed on the case and served only to
those who may see it; a bad file refuses the whole reply and changes nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import CaseAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 20


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


def reply(client, number, *files, text="已修复,附现场照片"):
    data = {"text": text, "files": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(
        f"/cases/{number}/reply",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def stored(db) -> list[CaseAttachment]:
    db.session.rollback()
    return db.session.scalars(select(CaseAttachment).order_by(CaseAttachment.id)).all()


def test_a_reply_with_a_photo_and_a_document(db, login, make_case, uploads):
    case = make_case("accepted")
    water = login("water1")
    page = reply(water, case.number, ("现场.png", PNG), ("../../报告.pdf", PDF))
    assert page.status_code == 200 and "附件" in page.text and "现场.png" in page.text
    photo, report = stored(db)
    assert (photo.content_type, report.content_type) == ("image/png", "application/pdf")
    assert report.filename == "报告.pdf"  # no path from the sender's name
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()
    assert (uploads / photo.stored_name).read_bytes() == PNG
    assert photo.stored_name not in ("现场.png",) and len(list(Path(uploads).iterdir())) == 2
    url = f"/cases/{case.number}/attachments/{photo.id}"
    got = water.get(url)
    body = got.get_data()
    got.close()  # the file it streamed
    assert got.status_code == 200 and body == PNG and got.mimetype == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    operator = login("operator1").get(url)
    operator.close()
    assert operator.status_code == 200
    assert login("gas1").get(url).status_code == 404  # another department
    assert login("gas1").get(f"/cases/{case.number}/attachments/{report.id}").status_code == 404


def test_a_file_that_is_not_what_its_name_says_refuses_the_reply(db, login, make_case, uploads):
    case = make_case("accepted")
    page = reply(login("water1"), case.number, ("photo.jpg", b"MZ\x90\x00 not an image"))
    assert "photo.jpg:不是JPEG、PNG、WebP图片或PDF文件" in page.text
    db.session.refresh(case)
    assert case.status == "accepted" and stored(db) == [] and list(uploads.iterdir()) == []


def test_a_file_too_large_is_refused(app, db, login, make_case, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2**20)
    case = make_case("accepted")
    big = PNG + b"\x00" * 2**20
    page = reply(login("water1"), case.number, ("big.png", big))
    assert "big.png:超过1 MB" in page.text
    db.session.refresh(case)
    assert case.status == "accepted" and stored(db) == []
