"""`torget serve`: gunicorn, and with --with-worker the task worker beside it, as one
foreground command that starts, watches and stops them together."""

import ctypes
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from torget.lib.config import env_str

DEFAULT_BIND = "127.0.0.1:8000"
WSGI_APP = "torget.wsgi:application"
# Gunicorn lets a request in flight finish within this many seconds when told to stop.
GRACEFUL_SECONDS = 5
WORKER_TIMEOUT = 30
KEEPALIVE_SECONDS = 5
STOP_TIMEOUT = GRACEFUL_SECONDS + 5.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Command(BaseCommand):
    help = (
        "Run Torget: collect static files, then serve the site with gunicorn and, with "
        "--with-worker, run `torget worker` beside it. Ctrl+C or SIGTERM stops both; if either "
        "stops by itself, the other is stopped too and the command exits with status 1. "
        "The address is --bind, else TORGET_BIND, else 127.0.0.1:8000."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", help="HOST:PORT to listen on (default: see above)")
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn worker processes (default: 2)"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=8,
            help="threads per gunicorn worker process, each handling one request (default: 8)",
        )
        parser.add_argument(
            "--with-worker", action="store_true", help="also run the background task worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or env_str("BIND", DEFAULT_BIND)
        call_command("collectstatic", interactive=False, verbosity=0)
        children = [
            Child(
                "The web server (gunicorn)",
                start_gunicorn(bind, options["workers"], options["threads"]),
            )
        ]
        if options["with_worker"]:
            children.append(Child("The task worker", start_worker()))
        self.stdout.write(f"Torget is running at http://{bind} (Ctrl+C to stop)")
        died = supervise(children)
        stop(children)
        if died is not None:
            raise CommandError(
                f"{died.name} stopped by itself (exit status {died.process.returncode}), "
                "so Torget was stopped."
            )


def start_gunicorn(bind: str, workers: int, threads: int) -> subprocess.Popen[bytes]:
    """gthread workers: connections wait in each worker's event loop until they have sent
    something, and a request is handled by one of `threads` threads. A sync worker handles
    one connection at a time from its first byte, so a few clients sending their headers a
    byte at a time held every worker (and gunicorn killed them at the timeout)."""
    command = [
        sys.executable, "-m", "gunicorn", WSGI_APP,
        "--bind", bind,
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        # A worker whose event loop stops answering is restarted after this many seconds.
        "--timeout", str(WORKER_TIMEOUT),
        # An idle kept-alive connection is closed after this many seconds.
        "--keep-alive", str(KEEPALIVE_SECONDS),
        "--access-logfile", "-",
        "--graceful-timeout", str(GRACEFUL_SECONDS),
        # Unused, and its default path in $HOME would be shared by every Torget on the machine.
        "--no-control-socket",
    ]  # fmt: skip
    return start_child(command)


def start_worker() -> subprocess.Popen[bytes]:
    return start_child([sys.executable, "-m", "torget", "worker"])


def start_child(command: list[str]) -> subprocess.Popen[bytes]:
    if not sys.platform.startswith("linux"):
        return subprocess.Popen(command)
    parent = os.getpid()

    def stop_with_parent() -> None:
        """Runs in the child before exec. If `torget serve` is killed outright (SIGKILL, a
        crash), nothing would stop its children, and gunicorn would go on serving with no
        supervisor; the kernel sends them SIGTERM instead."""
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return subprocess.Popen(command, preexec_fn=stop_with_parent)


def supervise(children: list[Child]) -> Child | None:
    """Wait for SIGINT or SIGTERM (None), or for a child to exit (that child)."""
    stopping: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            died = next((child for child in children if child.process.poll() is not None), None)
            if died is not None:
                return died
            time.sleep(POLL_SECONDS)
        return None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop(children: list[Child]) -> None:
    """SIGTERM to each child still running; whatever outlives STOP_TIMEOUT is killed."""
    running = [child.process for child in children if child.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
