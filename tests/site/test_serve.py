"""A real `torget serve` on 127.0.0.1, as production runs it: what its workers withstand."""

import re
import socket
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scratch import ENGINES, TORGET, environment, migrate, scratch_database
from tests.site.test_demo import free_port, status_when_up, stop_for_good
from torget.accounts.views import PASSWORD_ATTEMPTS_PER_WINDOW

pytestmark = pytest.mark.slow


@dataclass
class Served:
    url: str
    env: dict[str, str]
    log: Path


@contextmanager
def serving(database_url: str, data_dir: Path) -> Iterator[Served]:
    """`torget serve` with its default workers on that database, migrated, debug off."""
    env = environment(database_url, data_dir)
    migrate(env)
    bind = f"127.0.0.1:{free_port()}"
    log = data_dir / "serve.log"
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


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    with serving(f"sqlite:///{tmp_path}/serve.sqlite3", tmp_path) as site:
        yield site


@pytest.fixture(params=ENGINES)
def served_on_each_database(request, tmp_path) -> Iterator[Served]:
    with scratch_database(request.param, tmp_path) as url, serving(url, tmp_path) as site:
        yield site


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


# Password guessing spread over the workers


GUESSES = 40


def login_form(url: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token from the login page."""
    with urllib.request.urlopen(f"{url}/accounts/login/", timeout=30) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    assert token, "no CSRF token on the login page"
    return cookie, token.group(1)


def guess(url: str, cookie: str, token: str, number: int) -> int:
    form = {"username": "kari@example.org", "password": f"guess {number}"}
    data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(
        f"{url}/accounts/login/", data=data, headers={"Cookie": cookie}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_password_guesses_spread_over_the_workers_meet_one_limit(served_on_each_database):
    """Each gunicorn worker counted in its own local-memory cache, so 17 to 20 of 40 guesses
    got through a limit of 10. Several threads at once, each request on a connection of its
    own, spread the guesses over the workers as an attacker's would be."""
    site = served_on_each_database
    account = subprocess.run(
        [*TORGET, "createsuperuser", "--noinput", "--email", "kari@example.org"],
        env={**site.env, "DJANGO_SUPERUSER_PASSWORD": "correct horse battery"},
        capture_output=True,
    )
    assert account.returncode == 0, account.stderr
    cookie, token = login_form(site.url)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: guess(site.url, cookie, token, n), range(GUESSES)))

    # A wrong password shows the form again (200); a guess over the limit is refused (429).
    allowed = PASSWORD_ATTEMPTS_PER_WINDOW
    assert Counter(statuses) == {200: allowed, 429: GUESSES - allowed}
