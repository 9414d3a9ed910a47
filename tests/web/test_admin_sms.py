"""The administrators' SMS pages: failed messages with Twilio's error, sent again by hand;
each message's delivery reports; template wording edited with a preview, bad wording
refused on the page with nothing saved; numbers masked; admins only."""

from __future__ import annotations

from sqlalchemy import select

from app.models import OutboxMessage, SmsTemplate
from app.sqlite import writing
from notifications import delivery, outbox

PHONE = "+8613812345678"


def queue_failed(db, now) -> OutboxMessage:
    with writing():
        outbox.queue("failed:1", PHONE, "【12319热线】工单R1", template="receipt", now=now)
        db.session.commit()
        row = db.session.scalars(select(OutboxMessage)).one()
        row.status, row.attempts = "failed", delivery.MAX_ATTEMPTS
        row.error = "Twilio 429 20429: Too Many Requests"
        db.session.commit()
    return row


def test_only_admins_reach_the_sms_pages(login):
    for username in ("operator1", "supervisor1", "water1"):
        client = login(username)
        assert client.get("/admin/sms/").status_code == 403
        assert client.get("/admin/sms/templates").status_code == 403


def test_a_failed_message_shows_twilios_error_and_is_sent_again(login, db, now):
    row = queue_failed(db, now)
    admin = login("admin")
    listing = admin.get("/admin/sms/?status=failed")
    assert listing.status_code == 200
    assert "Twilio 429" in listing.text and "+86 138****5678" in listing.text
    assert PHONE not in listing.text and "13812345678" not in listing.text
    assert "受理回执(发来电人)" in listing.text and "发送失败" in listing.text  # in Chinese
    page = admin.get(f"/admin/sms/{row.id}")
    assert "重新发送" in page.text
    answer = admin.post(f"/admin/sms/{row.id}/retry")
    assert answer.status_code == 303
    db.session.rollback()
    row = db.session.get(OutboxMessage, row.id, populate_existing=True)
    assert (row.status, row.attempts, row.error) == ("pending", 0, "")
    again = admin.post(f"/admin/sms/{row.id}/retry", follow_redirects=True)
    assert "只有发送失败的短信" in again.text  # a pending one cannot be "retried"


def test_delivery_reports_are_listed_on_the_message(login, db, now):
    row = queue_failed(db, now)
    with writing():
        row = db.session.get(OutboxMessage, row.id)
        row.status, row.provider_sid = "sent", "SM" + "4" * 32
        delivery.record_status(row.provider_sid, "undelivered", "30005", now)
        db.session.commit()
    page = login("admin").get(f"/admin/sms/{row.id}")
    assert "undelivered" in page.text and "30005" in page.text
    assert "未送达" in page.text and "受理回执(发来电人)" in page.text  # named in Chinese


def test_template_wording_previewed_saved_and_refused_when_bad(login, db):
    admin = login("admin")
    listing = admin.get("/admin/sms/templates")
    assert listing.status_code == 200 and "R2026112300001" in listing.text  # the previews
    preview = admin.post(
        "/admin/sms/templates/receipt", data={"body": "已受理:{number}", "action": "preview"}
    )
    assert preview.status_code == 200 and "【12319热线】已受理:R2026112300001" in preview.text
    assert db.session.scalars(select(SmsTemplate)).all() == []
    bad = admin.post(
        "/admin/sms/templates/receipt", data={"body": "已受理:{numbr}", "action": "save"}
    )
    assert bad.status_code == 422 and "numbr" in bad.text
    db.session.rollback()
    assert db.session.scalars(select(SmsTemplate)).all() == []
    saved = admin.post(
        "/admin/sms/templates/receipt", data={"body": "已受理:{number}", "action": "save"}
    )
    assert saved.status_code == 303
    db.session.rollback()
    assert [t.body for t in db.session.scalars(select(SmsTemplate))] == ["已受理:{number}"]
    admin.post("/admin/sms/templates/receipt", data={"action": "reset"})
    db.session.rollback()
    assert db.session.scalars(select(SmsTemplate)).all() == []
    assert admin.get("/admin/sms/templates/nope").status_code == 404


def test_a_supervisors_mobile_is_stored_in_e164_and_a_bad_one_refused(login, db):
    from app.models import User

    admin = login("admin")
    base = {"username": "sup9", "role": "supervisor", "password": "long-enough-1"}
    bad = admin.post("/admin/users", data={**base, "phone": "12345"})
    assert bad.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "sup9")) is None
    admin.post("/admin/users", data={**base, "phone": "139 0000 1111"})
    db.session.rollback()
    assert db.session.scalar(select(User.phone).where(User.username == "sup9")) == "+8613900001111"
    assert "+86 139****1111" in admin.get("/admin/users").text
