"""python -m bench.live: live events from a non-web process to 100 and 500 Socket.IO clients.

On PostgreSQL, with a private redis-server joining two `hotline serve` processes:
- N clients (100, then 500) connect to /live, spread over the two servers; a separate
  process, as the scheduler does, registers 10 cases a second for 60 s, and each commit's
  `case.created` event goes out through Redis. Prints the delay from the event's time to
  its arrival at each client (median, p99, max) and the share delivered;
- the baseline: the round trip of a bare Redis PUBLISH to a subscriber, in the same run;
- the caller lookup behind the screen pop (a number's earlier cases) at 10,000,000 stored
  cases: p50 and p99 over random numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime

import redis
import socketio

from app import auth
from app.extensions import db
from app.models import User
from app.sqlite import writing
from bench.common import generate, make_app, scratch_database
from tests.servers import RedisServer, hotline_server

EVENT = "case.created"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def emit_cases(rate: float, seconds: float) -> None:
    """The emitting process (run as `python -m bench.live --emit`): one case every 1/rate s."""
    from app import create_app
    from app.models import utcnow
    from config import DevelopmentConfig
    from dispatch import intake
    from notifications import events

    app = create_app(DevelopmentConfig)
    body = {
        "channel": "phone",
        "caller_phone": "13812341234",
        "category": "water.outage",
        "description": "停水",
    }
    sent, start = 0, time.monotonic()
    with app.app_context():
        operator = db.session.scalar(db.select(User).filter_by(username="operator1"))
        while time.monotonic() - start < seconds:
            with writing():
                intake.register_case(body, operator, utcnow())
                db.session.commit()
            sent += 1
            pause = start + sent / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        events.flush(10)
    print(sent, flush=True)


class Clients:
    """N asyncio Socket.IO clients that note when each `case.created` reaches them."""

    def __init__(self, bases: list[str], token: str, count: int) -> None:
        self.bases, self.token, self.count = bases, token, count
        self.delays: list[float] = []
        self.received = 0
        self.clients: list[socketio.AsyncClient] = []

    async def connect(self) -> None:
        gate = asyncio.Semaphore(25)

        async def one(i: int) -> None:
            client = socketio.AsyncClient(reconnection=False)

            @client.on(EVENT, namespace="/live")
            async def _arrived(payload: dict) -> None:
                sent = datetime.fromisoformat(payload["at"]).timestamp()
                self.delays.append((time.time() - sent) * 1000)
                self.received += 1

            async with gate:
                await client.connect(
                    self.bases[i % len(self.bases)],
                    namespaces=["/live"],
                    auth={"token": self.token},
                    transports=["websocket"],
                    wait_timeout=30,
                )
            self.clients.append(client)

        await asyncio.gather(*(one(i) for i in range(self.count)))

    async def close(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)


def client_process(bases: list[str], token: str, count: int, offset: int, pipe) -> None:
    """One process of clients: connect, say so, wait for the expected total, report."""

    async def main() -> None:
        clients = Clients(bases[offset % len(bases) :] + bases[: offset % len(bases)], token, count)
        await clients.connect()
        pipe.send("connected")
        expected = await asyncio.to_thread(pipe.recv)
        deadline = time.monotonic() + 5
        while clients.received < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await clients.close()
        pipe.send((clients.delays, clients.received))

    asyncio.run(main())


def live_round(bases, token, count, url, redis_url, args) -> None:
    """`count` clients in `args.client_processes` processes; an emitter process; the tally."""
    context = multiprocessing.get_context("spawn")
    shares = [count // args.client_processes] * args.client_processes
    shares[0] += count - sum(shares)
    started, workers = time.monotonic(), []
    for offset, share in enumerate(shares):
        ours, theirs = context.Pipe()
        process = context.Process(target=client_process, args=(bases, token, share, offset, theirs))
        process.start()
        workers.append((process, ours, share))
    for _, pipe, _ in workers:
        assert pipe.recv() == "connected"
    print(f"  {count} clients connected in {time.monotonic() - started:.1f} s")
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_ENV": "development",
    }
    command = [sys.executable, "-m", "bench.live", "--emit", "--rate", str(args.rate)]
    command += ["--seconds", str(args.seconds)]
    emitted = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    sent = int(emitted.stdout.strip().splitlines()[-1])
    delays: list[float] = []
    received = 0
    for process, pipe, share in workers:
        pipe.send(sent * share)
        their_delays, their_received = pipe.recv()
        delays += their_delays
        received += their_received
        process.join(timeout=30)
    share = received / (sent * count) if sent else 0.0
    print(
        f"  {count} clients, {sent} events ({args.rate:g}/s for {args.seconds:g} s): delay "
        f"median {statistics.median(delays):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms, "
        f"max {max(delays):.1f} ms; delivered {received:,} of {sent * count:,} ({share:.2%})"
    )


def redis_round_trip(redis_url: str, samples: int = 1000) -> list[float]:
    """PUBLISH a timestamp and time its arrival at a subscriber on another connection."""
    subscriber = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe("bench-round-trip")
    delays: list[float] = []
    done = threading.Event()

    def listen() -> None:
        for message in subscriber.listen():
            delays.append((time.perf_counter() - float(message["data"])) * 1000)
            if len(delays) == samples:
                done.set()
                return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    publisher = redis.Redis.from_url(redis_url)
    time.sleep(0.2)
    for _ in range(samples):
        publisher.publish("bench-round-trip", repr(time.perf_counter()))
        time.sleep(0.001)
    done.wait(10)
    subscriber.close()
    return delays


def caller_lookup(stored: int) -> None:
    from dispatch import cases

    started = time.perf_counter()
    generate("postgresql", 1, stored, open_every=5)
    print(f"  generated {stored:,} stored cases in {time.perf_counter() - started:.0f} s")
    rng = random.Random(7)
    timings = []
    for _ in range(1000):
        phone = f"+86138{rng.randrange(1, min(stored, 10**8)):08d}"
        begun = time.perf_counter()
        found = cases.earlier_cases(phone, limit=10)
        timings.append((time.perf_counter() - begun) * 1000)
        assert found, phone
        db.session.rollback()
    print(
        f"  caller lookup (earlier cases of a number) at {stored:,} stored: "
        f"p50 {statistics.median(timings):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms"
    )


def run(args: argparse.Namespace) -> None:
    redis_server = RedisServer()
    redis_server.start()
    try:
        with scratch_database("postgresql") as url:
            app = make_app(url)
            with app.app_context():
                with writing():
                    operator = db.session.scalar(db.select(User).filter_by(username="operator1"))
                    token = auth.issue_token(operator)
                    db.session.commit()
                db.session.remove()
                print("postgresql, two server processes joined by Redis:")
                with (
                    hotline_server(url, redis_server.url) as a,
                    hotline_server(url, redis_server.url) as b,
                ):
                    for count in args.clients:
                        live_round([a, b], token, count, url, redis_server.url, args)
                trips = redis_round_trip(redis_server.url)
                print(
                    f"  baseline, bare Redis PUBLISH to a subscriber: median "
                    f"{statistics.median(trips):.2f} ms, p99 {percentile(trips, 0.99):.2f} ms"
                )
                caller_lookup(args.stored)
                db.session.remove()
                db.engine.dispose()
    finally:
        redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="100,500", help="client counts, one round each")
    parser.add_argument("--rate", type=float, default=10, help="events per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--stored", type=int, default=10_000_000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10 s rounds, 100,000 stored")
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit_cases(args.rate, args.seconds)
        return
    args.clients = [int(n) for n in args.clients.split(",")]
    if args.quick:
        args.seconds, args.stored = 10, 100_000
    run(args)


if __name__ == "__main__":
    main()
