"""A real `torget serve` on 127.0.0.1, as production runs it: what its workers withstand."""

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.site.test_demo import free_port, status_when_up, stop_for_good

pytestmark = pytest.mark.slow

TORGET = [sys.executable, "-m", "torget"]


@dataclass
class Served:
    url: str
    env: dict[str, str]
    log: Path


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    """`torget serve` with its default workers, on a database of its own, debug off."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TORGET_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "torget.settings",
        "TORGET_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
        "TORGET_SECRET_KEY": "serve-test-secret-key",
        "TORGET_EMAIL_URL": "memory:",
        "TORGET_DATA_DIR": str(tmp_path),
    }
    migrated = subprocess.run([*TORGET, "migrate", "-v0"], env=env, capture_output=True)
    assert migrated.returncode == 0, migrated.stderr
    bind = f"127.0.0.1:{free_port()}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*TORGET, "serve", "--bind", bind], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            # Generous: on a busy machine a worker takes seconds to load Django.
            assert status_when_up(f"http://{bind}/about", timeout=90) == 200
            yield Served(f"http://{bind}", env, log)
        finally:
            stop_for_good(server)


class SlowClient:
    """Opens a request and sends its headers a line at a time, never finishing them."""

    def __init__(self, address: tuple[str, int], stop: threading.Event) -> None:
        self.sock = socket.create_connection(address)
        self.sock.sendall(b"GET /about HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.stop = stop
        self.thread = threading.Thread(target=self.drip, daemon=True)
        self.thread.start()

    def drip(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                return

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.sock.close()


def test_slow_clients_dripping_headers_do_not_keep_others_waiting(served):
    """Four clients sending their headers a line every half second held both sync workers;
    a normal request then waited until gunicorn killed them."""
    host, port = served.url.removeprefix("http://").split(":")
    stop = threading.Event()
    slow = [SlowClient((host, int(port)), stop) for _ in range(4)]
    try:
        # Well below gunicorn's 30 s worker timeout, at which sync workers were killed.
        with urllib.request.urlopen(f"{served.url}/about", timeout=20) as response:
            assert response.status == 200
    finally:
        stop.set()
        for client in slow:
            client.close()
