"""Photos and documents of the work done (办理附件), sent with a reply. A file is taken only
when its content is what it claims (JPEG, PNG, WebP images or PDF, told by their first
bytes, whatever the name says) and within the size limit; it is stored under the upload
folder by a random name with its SHA-256, and read back only by those who may see the case."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.i18n import Message
from app.models import Case, CaseAttachment, CaseEvent, User
from dispatch.errors import NotFound, ValidationFailed

FIELD = "files"


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the sender gave it, and its bytes."""

    filename: str
    data: bytes


def kind_of(data: bytes) -> str | None:
    """The content type told by the file's first bytes, or None when not accepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """The uploads with their content types; raises ValidationFailed naming `files`."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    most = current_app.config["ATTACHMENTS_PER_REPLY"]
    if len(uploads) > most:
        raise ValidationFailed({FIELD: Message("at most %(n)d files", n=most)})
    checked = []
    for upload in uploads:
        name = upload.filename[:100] or "?"
        if not upload.data:
            raise ValidationFailed({FIELD: Message("%(file)s: the file is empty", file=name)})
        if len(upload.data) > limit:
            raise ValidationFailed(
                {FIELD: Message("%(file)s: larger than %(mb)d MB", file=name, mb=limit // 2**20)}
            )
        kind = kind_of(upload.data)
        if kind is None:
            raise ValidationFailed(
                {FIELD: Message("%(file)s: not a JPEG, PNG or WebP image or a PDF", file=name)}
            )
        checked.append((upload, kind))
    return checked


def store(
    case: Case, checked: list[tuple[Upload, str]], event: CaseEvent, actor: User, now: datetime
) -> list[CaseAttachment]:
    """Write the checked files and add their rows to the caller's transaction."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for upload, kind in checked:
        stored = secrets.token_hex(16)
        temporary = folder / f".{stored}.part"
        temporary.write_bytes(upload.data)
        os.replace(temporary, folder / stored)
        row = CaseAttachment(
            case_id=case.id,
            event_id=event.id,
            uploaded_by_id=actor.id,
            filename=_safe_name(upload.filename),
            stored_name=stored,
            content_type=kind,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            created_at=now,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def of_case(case: Case) -> list[CaseAttachment]:
    query = select(CaseAttachment).where(CaseAttachment.case_id == case.id)
    return list(db.session.scalars(query.order_by(CaseAttachment.id)))


def find(case: Case, attachment_id: int) -> tuple[CaseAttachment, Path]:
    """An attachment of `case` (already checked visible) and where its file is."""
    row = db.session.get(CaseAttachment, attachment_id)
    if row is None or row.case_id != case.id:
        raise NotFound("no such attachment")
    return row, Path(current_app.config["UPLOAD_DIR"]) / row.stored_name


def _safe_name(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip() or "attachment"
    return "".join(ch for ch in name if ch.isprintable())[:200]
