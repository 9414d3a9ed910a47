"""Real server processes for multi-process tests: `hotline serve` and a private redis-server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

HOTLINE = str(Path(sys.executable).with_name("hotline"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(port: int, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def hotline_server(database_url: str, redis_url: str | None = None, **env) -> Iterator[str]:
    """`hotline serve` in its own process; yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_REDIS_URL": redis_url or "",
        "HOTLINE_SCHEDULER_IN_SERVER": "0",
        "HOTLINE_ENV": "development",
        **env,
    }
    log_dir = os.environ.get("HOTLINE_TEST_SERVER_LOGS")  # keep the servers' output there
    log = open(os.path.join(log_dir, f"serve-{port}.log"), "w") if log_dir else subprocess.DEVNULL
    process = subprocess.Popen(
        [HOTLINE, "serve", "--port", str(port)], env=environment, stdout=log, stderr=log
    )
    try:
        wait_until_listening(port)
        url = f"http://127.0.0.1:{port}"
        requests.get(url + "/healthz", timeout=5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if log_dir:
            log.close()


class RedisServer:
    """A redis-server of the test's own, on its own port, that the test can stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_listening(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
