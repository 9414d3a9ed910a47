"""python -m bench.outbox: 10,000 text messages drained through the fake Twilio server.

The fake answers every send after 200 ms, 1% of them with HTTP 500 (not taken) and 0.5%
too late for the client (taken, but the answer never comes in time). The outbox is drained
by one and then by four `hotline send-sms --loop` worker processes sharing one sender
number. Prints the send rate against the configured per-sender rate (within ±5%), and the
messages sent twice and lost, counted from the fake server's own log (both must be 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.sqlite import writing
from bench.common import HOTLINE, NOW, make_app, scratch_database
from notifications import outbox
from tests.fake_twilio import FakeTwilio

SENDER = "+8612319000000"
ACCOUNT = "AC" + "b" * 32


def queue(count: int) -> list[str]:
    """`count` messages to distinct mobile numbers, each with its own text."""
    bodies = [f"【12319热线】您的工单B{n:08d}已受理,请留意后续短信。" for n in range(count)]
    messages = [
        outbox.Message(f"bench:{n}", f"+86139{n:08d}", body, "receipt", NOW - timedelta(minutes=1))
        for n, body in enumerate(bodies)
    ]
    with writing():
        for start in range(0, count, 1000):
            outbox.queue_many(messages[start : start + 1000])
            db.session.commit()
    return bodies


def unsettled() -> int:
    db.session.rollback()
    final = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED)
    query = (
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.not_in(final))
    )
    return db.session.scalar(query)


def statuses() -> dict[str, int]:
    db.session.rollback()
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return dict(db.session.execute(query).all())


def start_workers(url: str, fake: FakeTwilio, workers: int, args) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_SCHEDULER_IN_SERVER": "0",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_FROM_NUMBER": SENDER,
        "HOTLINE_TWILIO_BASE_URL": fake.url,
        "HOTLINE_TWILIO_TIMEOUT_SECONDS": str(args.client_timeout),
        "HOTLINE_SMS_RATE_PER_SECOND": str(args.rate),
        "HOTLINE_SMS_CONCURRENCY": str(args.concurrency),
        "HOTLINE_SMS_STALE_SECONDS": str(args.stale),
    }
    command = [HOTLINE, "send-sms", "--loop", "--poll", "0.2"]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]


def steady_rate(times: list[float], share: float = 0.95) -> float:
    """Requests a second from the first one until `share` of them had come (the retries
    of the last few, waiting out their backoff, are not the pace)."""
    times = sorted(times)
    last = max(int(len(times) * share) - 1, 1)
    return last / (times[last] - times[0])


def run(url: str, workers: int, args) -> None:
    app = make_app(url)
    with app.app_context():
        bodies = queue(args.messages)
        fake = FakeTwilio(
            account_sid=ACCOUNT,
            latency=args.latency,
            error_rate=args.errors,
            timeout_rate=args.timeouts,
            hang_seconds=args.client_timeout + 3,
        ).start()
        started = time.monotonic()
        processes = start_workers(url, fake, workers, args)
        limit = args.messages / args.rate * 1.5 + 240
        try:
            while unsettled() and time.monotonic() - started < limit:
                time.sleep(1)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)
        took = time.monotonic() - started
        taken = Counter(m["body"] for m in fake.accepted)
        twice = sum(1 for n in taken.values() if n > 1)
        lost = sum(1 for body in bodies if body not in taken)
        requests_rate = steady_rate(fake.posts)
        deviation = (requests_rate / args.rate - 1) * 100
        fake.stop()
        print(
            f"  {workers} worker(s): {args.messages:,} messages settled in {took:.0f} s; "
            f"send requests {requests_rate:.2f}/s against the configured {args.rate:g}/s "
            f"({deviation:+.1f}%), {len(fake.posts):,} requests for {len(taken):,} taken; "
            f"sent twice {twice}, lost {lost}; statuses {statuses()}"
        )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="per-sender messages a second")
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--engines", default="postgresql")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--errors", type=float, default=0.01)
    parser.add_argument("--timeouts", type=float, default=0.005)
    parser.add_argument("--client-timeout", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=32, help="sends in flight a worker")
    parser.add_argument("--stale", type=int, default=20, help="HOTLINE_SMS_STALE_SECONDS")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        print(
            f"{engine}: fake Twilio {args.latency * 1000:.0f} ms, {args.errors:.1%} HTTP 500, "
            f"{args.timeouts:.1%} time-outs; one sender at {args.rate:g} messages/s"
        )
        for workers in (int(w) for w in args.workers.split(",")):
            with scratch_database(engine) as url:
                run(url, workers, args)


if __name__ == "__main__":
    main()
