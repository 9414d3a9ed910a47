"""A local fake of Twilio's Messages resource, started by the tests, that the real twilio
client talks to: it can answer late, fail, time out, or be down, and logs what it took."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "f" * 32
    latency: float = 0.0
    fail_with: list[int] = field(default_factory=list)  # statuses to answer next, in order
    hang_after_accepting: int = 0  # take the next N messages, then never answer in time
    hang_seconds: float = 30.0
    # At random, as in bench.outbox: answer 500 without taking the message, or take it and
    # answer too late for the client.
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    seed: int = 12319
    accepted: list[dict] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)  # when each send request came
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                fake._post(self)

            def do_GET(self):
                fake._get(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def sent_to(self, phone: str) -> list[dict]:
        return [m for m in self.accepted if m["to"] == phone]

    def _post(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        with self.lock:
            self.posts.append(time.monotonic())
        time.sleep(self.latency)
        with self.lock:
            status = self.fail_with.pop(0) if self.fail_with else None
            draw = self.random.random()
            if status is None and draw < self.error_rate:
                status = 500
            hang = status is None and self.hang_after_accepting > 0
            if hang:
                self.hang_after_accepting -= 1
            hang = hang or (status is None and draw > 1 - self.timeout_rate)
            message = None if status else self._accept(form)
        if status == 400:  # as Twilio words it, quoting the number
            message = f"The 'To' number {form.get('To')} is not a valid phone number."
            body = {"code": 21211, "message": message, "status": 400}
            return self._answer(request, status, body)
        if status:
            body = {"code": 20000 + status, "message": f"fake error {status}", "status": status}
            return self._answer(request, status, body)
        if hang:
            time.sleep(self.hang_seconds)
        self._answer(request, 201, message)

    def _accept(self, form: dict) -> dict:
        now = datetime.now(UTC)
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": format_datetime(now),
            "date_updated": format_datetime(now),
            "date_sent": format_datetime(now),
            "status_callback": form.get("StatusCallback"),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/x.json",
        }
        self.accepted.append(message)
        return message

    def _get(self, request: BaseHTTPRequestHandler) -> None:
        query = {k: v[0] for k, v in parse_qs(urlparse(request.path).query).items()}
        with self.lock:
            found = [
                m
                for m in self.accepted
                if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])
            ]
        self._answer(
            request,
            200,
            {
                "messages": found,
                "page": 0,
                "page_size": 200,
                "start": 0,
                "end": len(found),
                "first_page_uri": request.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": request.path,
            },
        )

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass
