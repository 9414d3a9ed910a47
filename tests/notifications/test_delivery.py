"""The outbox worker with the real twilio client against the local fake Twilio server:
each message goes out once, failures wait and retry, an unanswered send is looked up
before any resend, and a message past its retry budget is marked failed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import OutboxMessage, SmsSenderPace
from app.sqlite import writing
from dispatch import jobs
from notifications import delivery, outbox
from notifications.gateway import TwilioGateway
from tests.fake_twilio import FakeTwilio
from tests.livetools import wait_for
from tests.servers import HOTLINE

TO = "+8613812341234"


@pytest.fixture
def fake():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake):
    return TwilioGateway(fake.account_sid, "token", "+8612319000000", base_url=fake.url, timeout=1)


def queue(db, now, count: int = 1) -> None:
    with writing():
        for n in range(count):
            outbox.queue(f"test:{n}", TO, f"【12319热线】测试短信 {n}", template="test", now=now)
        db.session.commit()


def rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_each_message_goes_out_once(db, now, fake, gateway):
    queue(db, now, 3)
    tally = jobs.send_outbox(gateway, now)
    assert tally.sent == 3
    assert jobs.send_outbox(gateway, now + timedelta(hours=1)).sent == 0
    assert sorted(m["body"] for m in fake.sent_to(TO)) == sorted(r.body for r in rows(db))
    assert {r.status for r in rows(db)} == {"sent"}
    assert {r.provider_sid for r in rows(db)} == {m["sid"] for m in fake.accepted}


def test_failures_wait_with_backoff_and_all_go_out_once_after_recovery(db, now, fake, gateway):
    queue(db, now, 2)
    fake.fail_with = [500, 500, 429]
    first = jobs.send_outbox(gateway, now)
    assert first.retried == 2 and fake.accepted == []
    assert all(r.status == "pending" and r.next_attempt_at > now for r in rows(db))
    assert jobs.send_outbox(gateway, now + timedelta(seconds=5)).sent == 0  # backoff holds
    later = now + timedelta(minutes=10)
    jobs.send_outbox(gateway, later)
    jobs.send_outbox(gateway, later + timedelta(minutes=10))
    assert {r.status for r in rows(db)} == {"sent"}
    assert len(fake.accepted) == 2


def test_a_send_without_answer_is_looked_up_not_resent(db, now, fake, gateway):
    queue(db, now, 1)
    fake.hang_after_accepting, fake.hang_seconds = 1, 3
    jobs.send_outbox(gateway, now)  # Twilio took it, the answer came too late
    assert [r.status for r in rows(db)] == ["sending"] and len(fake.accepted) == 1
    assert jobs.send_outbox(gateway, now + timedelta(seconds=30)).sent == 0  # not stale yet
    recovered = jobs.send_outbox(gateway, now + delivery.STALE_SENDING + timedelta(seconds=1))
    assert recovered.recovered == 1
    assert [r.status for r in rows(db)] == ["sent"]
    assert rows(db)[0].provider_sid == fake.accepted[0]["sid"]
    assert len(fake.accepted) == 1


def test_past_the_retry_budget_a_message_is_failed_with_twilios_error(db, now, fake, gateway):
    queue(db, now, 1)
    fake.fail_with = [429] * delivery.MAX_ATTEMPTS
    moment = now
    for _ in range(delivery.MAX_ATTEMPTS):
        jobs.send_outbox(gateway, moment)
        moment += delivery.MAX_BACKOFF
    [row] = rows(db)
    assert row.status == "failed" and "429" in row.error and row.attempts == delivery.MAX_ATTEMPTS
    with writing():
        delivery.retry_failed(row.id, moment)
        db.session.commit()
    assert jobs.send_outbox(gateway, moment).sent == 1
    assert len(fake.accepted) == 1


def test_twilios_words_keep_no_full_number_on_the_row_nor_in_the_log(
    db, now, fake, gateway, caplog
):
    queue(db, now, 1)
    fake.fail_with = [400] * delivery.MAX_ATTEMPTS
    moment = now
    for _ in range(delivery.MAX_ATTEMPTS):
        jobs.send_outbox(gateway, moment)
        moment += delivery.MAX_BACKOFF
    [row] = rows(db)
    assert row.status == "failed" and "21211" in row.error and "'To' number +861" in row.error
    assert TO not in row.error and TO[1:] not in row.error
    assert "is not a valid phone number" in caplog.text and TO[3:] not in caplog.text


def test_a_worker_killed_after_twilio_accepted_does_not_send_again(app, db, now, fake):
    """`hotline send-sms` in its own process is killed with SIGKILL while Twilio has taken
    the message but not yet answered; the next worker finds it at Twilio and sends nothing."""
    queue(db, now, 1)
    fake.hang_after_accepting, fake.hang_seconds = 1, 30
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HOTLINE_ENV": "development",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM_NUMBER": "+8612319000000",
        "HOTLINE_TWILIO_BASE_URL": fake.url,
        "HOTLINE_TWILIO_TIMEOUT_SECONDS": "60",
    }
    worker = subprocess.Popen(
        [HOTLINE, "send-sms"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert wait_for(lambda: len(fake.accepted) == 1, 20)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert [r.status for r in rows(db)] == ["sending"]
    gateway = TwilioGateway(fake.account_sid, "token", "+8612319000000", base_url=fake.url)
    later = datetime.now(UTC) + delivery.STALE_SENDING + timedelta(seconds=1)
    assert jobs.send_outbox(gateway, later).recovered == 1
    assert [r.status for r in rows(db)] == ["sent"] and len(fake.accepted) == 1


def test_twilio_down_for_a_while_then_every_message_goes_out_once(db, now, fake, gateway):
    """Twilio unreachable (connection refused): nothing can be known, so the messages wait
    "sending" and are looked up before they are sent once Twilio answers again."""
    queue(db, now, 3)
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = TwilioGateway(
        fake.account_sid, "token", "+8612319000000", base_url=f"http://127.0.0.1:{closed}"
    )
    assert jobs.send_outbox(down, now).retried == 3
    assert {r.status for r in rows(db)} == {"sending"} and fake.posts == []
    later = now + delivery.STALE_SENDING + timedelta(seconds=1)
    assert jobs.send_outbox(down, later).retried == 3  # still down: the lookup fails too
    back = jobs.send_outbox(gateway, later + delivery.STALE_SENDING + timedelta(seconds=1))
    assert back.sent == 3
    assert {r.status for r in rows(db)} == {"sent"}
    assert sorted(m["body"] for m in fake.accepted) == sorted(r.body for r in rows(db))


def test_a_failed_message_whose_last_send_went_unanswered_is_looked_up_before_a_resend(
    db, now, fake, gateway
):
    queue(db, now, 1)
    [row] = rows(db)
    gateway.send(TO, row.body)  # Twilio took it; the answer never reached us
    with writing():
        row = db.session.get(OutboxMessage, row.id)
        row.status, row.attempts = "failed", delivery.MAX_ATTEMPTS
        row.error = f"{delivery.UNKNOWN} ReadTimeout"
        db.session.commit()
        delivery.retry_failed(row.id, now)
        db.session.commit()
    assert jobs.send_outbox(gateway, now).recovered == 1  # found at Twilio: not sent again
    assert [r.status for r in rows(db)] == ["sent"] and len(fake.accepted) == 1


def test_a_wall_clock_stepped_back_does_not_stall_the_sender(db, now, fake, gateway):
    """The pace booked an hour ahead by a clock that then stepped back: sending goes on."""
    queue(db, now, 2)
    with writing():
        ahead = datetime.now(UTC) + timedelta(hours=1)
        db.session.add(SmsSenderPace(sender="+8612319000000", next_slot_at=ahead))
        db.session.commit()
    started = time.monotonic()
    assert jobs.send_outbox(gateway, now).sent == 2
    assert time.monotonic() - started < 5
