"""Photos: what a post with photos costs, and whether hostile posts can stall the site.

The hostile post is the audit's (issue 12): five copies of a 7000 x 7000 RGBA PNG of one
colour, about 200 KB each, which decode to 196 MB each. The plain post, from the same run, is
what a citizen sends: one 12-megapixel phone JPEG (4032 x 3024, turned by its EXIF). Both
images are made here, so no binary is committed.

1. In the benchmark's process, through Django's test Client and the real views: the hostile
   post to /report/new and to the Open311 POST, and the plain post to both, each a few times.
2. Against a real `torget serve` (gunicorn as main configures it) on 127.0.0.1: the front
   page alone; the hostile and the plain post one at a time; then three hostile posts at once,
   over and over, while the front page is asked for every quarter second. Targets: the post
   answers within 2 s, the front page within 1 s. The peak memory of gunicorn's workers
   (VmHWM) is read after each phase.

Each post comes from an address of its own (X-Forwarded-For, with one trusted proxy) and an
e-mail address of its own, so the rate limits, which would refuse a real attacker's repeats
sooner, do not hide the cost of the photos.

    python -m bench.photos --database-url URL [--json-out FILE] [--quick]
"""

import argparse
import io
import itertools
import json
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.environment import REPO_DIR, is_postgres_url, recreate_postgres_database, setup_django
from bench.stats import median, p95, ratio, times

HOSTILE_SIDE = 7000
HOSTILE_COPIES = 5
# The largest PNG still accepted: 24.99 megapixels, just under lib/images.MAX_DECODED_PIXELS.
WORST_SIDE = 4999
PHONE_SIZE = (4032, 3024)
ROUNDS = 3
QUICK_ROUNDS = 3
CONCURRENT_POSTS = 3
WARM_UP_POSTS = 6
BUSY_SECONDS = 30.0
QUICK_BUSY_SECONDS = 12.0
FRONT_PAGE_EVERY = 0.25
TARGET_POST_S = 2.0
TARGET_FRONT_PAGE_S = 1.0
KONGSVINGER = "3401"
# A point in Kongsvinger's town centre.
LAT, LON = 60.1905, 11.9977
addresses = itertools.count(1)
# Each HTTP client's CSRF token, by id(client).
tokens: dict[int, str] = {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.photos", description=__doc__)
    parser.add_argument("--database-url", required=True, help="sqlite:////abs/path or postgres")
    parser.add_argument("--json-out", "--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a shorter busy run")
    args = parser.parse_args(argv)
    if is_postgres_url(args.database_url):
        recreate_postgres_database(args.database_url)
    else:
        path = "/" + args.database_url.removeprefix("sqlite:").lstrip("/")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="torget-bench-photos-") as data_dir:
        os.environ["TORGET_DATA_DIR"] = data_dir
        # The plain post looks up its address; Kartverket is not to be asked from here.
        os.environ["TORGET_GEOCODER"] = "offline"
        setup_django(args.database_url)
        result = run(args.database_url, data_dir, quick=args.quick)
    print_result(result)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


# The images


def hostile_png(side: int = HOSTILE_SIDE) -> bytes:
    """A valid side x side RGBA PNG of transparent black, written row by row: about 200 KB
    for 7000 x 7000, made in a fraction of a second without holding its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    compressor = zlib.compressobj(9)
    row = bytes(1 + side * 4)  # filter type 0, then the pixels
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def phone_jpeg() -> bytes:
    """A 12-megapixel photo as a phone writes it: smooth light with some grain, quality 90,
    EXIF saying it was held upright (orientation 6)."""
    from PIL import ExifTags, Image

    width, height = PHONE_SIZE
    light = Image.linear_gradient("L").resize(PHONE_SIZE)
    grain = Image.effect_noise((width // 4, height // 4), 48).resize(PHONE_SIZE)
    picture = Image.merge("RGB", (light, grain, light.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Telefon"
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


# The site


def make_site() -> tuple[int, str]:
    """Kongsvinger with its body and one category, and an Open311 key with no hourly limit:
    (category id, API key)."""
    from bench.data import municipality_features
    from torget.open311.models import ApiKey
    from torget.places.models import Area, Body
    from torget.reports.models import Category

    feature = next(f for f in municipality_features() if f.code == KONGSVINGER)
    area = Area(name=feature.name, kind="kommune", code=feature.code)
    area.set_geometry(feature.geometry)
    area.save()
    body = Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")
    body.areas.add(area)
    category = Category.objects.create(body=body, slug="gatelys", name_nb="Gatelys")
    key = ApiKey.objects.create(name="Benchmark", posts_per_hour=1_000_000)
    return category.pk, key.key


# The posts: (form fields, files) for each endpoint, each from an address of its own


Files = list[tuple[str, tuple[str, bytes, str]]]


def web_post(category_id: int, photos: list[bytes]) -> tuple[dict[str, str], Files]:
    number = next(addresses)
    fields = {
        "lat": str(LAT),
        "lon": str(LON),
        "category": str(category_id),
        "title": "Gatelyset er mørkt",
        "detail": "Lyset utenfor Rådhusplassen 1 har vært mørkt i en uke.",
        "name": "Per Hansen",
        "email": f"per{number}@example.org",
        "website": "",
    }
    return fields, [("photos", (f"{n}.img", data, "image/png")) for n, data in enumerate(photos)]


def open311_post(category_id: int, key: str, photos: list[bytes]) -> tuple[dict[str, str], Files]:
    number = next(addresses)
    fields = {
        "api_key": key,
        "service_code": str(category_id),
        "lat": str(LAT),
        "long": str(LON),
        "email": f"per{number}@example.org",
        "description": "Lyset ved skolen er mørkt.",
    }
    files = [(f"media{n}", (f"{n}.img", data, "image/png")) for n, data in enumerate(photos)]
    return fields, files


def forwarded_for() -> str:
    number = next(addresses)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


# 1. In-process


def in_process(
    category_id: int,
    key: str,
    hostile: list[bytes],
    plain: list[bytes],
    worst: list[bytes],
    rounds: int,
) -> dict[str, Any]:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import override_settings

    def post(url: str, made: tuple[dict[str, str], Files]) -> tuple[float, int]:
        fields, files = made
        data: dict[str, Any] = dict(fields)
        for name, (filename, content, content_type) in files:
            data.setdefault(name, []).append(SimpleUploadedFile(filename, content, content_type))
        started = time.perf_counter()
        response = client.post(url, data, HTTP_X_FORWARDED_FOR=forwarded_for())
        return time.perf_counter() - started, response.status_code

    cases: dict[str, Callable[[], tuple[float, int]]] = {
        "web_hostile": lambda: post("/report/new", web_post(category_id, hostile)),
        "web_plain": lambda: post("/report/new", web_post(category_id, plain)),
        "web_worst": lambda: post("/report/new", web_post(category_id, worst)),
        "open311_hostile": lambda: post(
            "/open311/v2/requests.json", open311_post(category_id, key, hostile)
        ),
        "open311_plain": lambda: post(
            "/open311/v2/requests.json", open311_post(category_id, key, plain)
        ),
    }
    client = Client()
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        TRUSTED_PROXIES=1,
        OPEN311_POSTS_PER_HOUR=0,
    ):
        # The first request of a kind imports and compiles templates; it is not measured,
        # except for the worst post, which is slow enough without a second helping.
        results: dict[str, Any] = {
            name: measure(case, rounds, warm_up=name != "web_worst") for name, case in cases.items()
        }
    for name in ("web", "open311"):
        results[f"{name}_ratio"] = ratio(
            results[f"{name}_hostile"]["median_s"], results[f"{name}_plain"]["median_s"]
        )
    results["worst_ratio"] = ratio(
        results["web_worst"]["median_s"], results["web_plain"]["median_s"]
    )
    return results


def measure(case: Callable[[], tuple[float, int]], rounds: int, warm_up: bool) -> dict[str, Any]:
    if warm_up:
        case()
    outcomes = [case() for _ in range(rounds)]
    seconds = [s for s, _ in outcomes]
    return {
        "median_s": median(seconds),
        "max_s": max(seconds),
        "statuses": sorted({status for _, status in outcomes}),
    }


# 2. Against `torget serve`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TORGET_DATABASE_URL": database_url,
        "TORGET_DATA_DIR": data_dir,
        "TORGET_DEBUG": "0",
        "TORGET_EMAIL_URL": "memory:",
        "TORGET_BASE_URL": f"http://127.0.0.1:{port}",
        "TORGET_TRUSTED_PROXIES": "1",
        "TORGET_OPEN311_POSTS_PER_HOUR": "0",
    }
    command = [sys.executable, "-m", "torget", "serve", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command, cwd=REPO_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"torget serve exited with status {server.returncode}")
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit("torget serve did not answer within 120 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def descendants(pid: int) -> list[int]:
    """The processes under `pid` (gunicorn's master and its workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def peak_worker_mb(server: subprocess.Popen[bytes]) -> float:
    """The highest peak resident memory (VmHWM) among the server's processes, in MB."""
    peaks = [0.0]
    for pid in descendants(server.pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def against_server(
    database_url: str,
    data_dir: str,
    category_id: int,
    hostile: list[bytes],
    plain: list[bytes],
    rounds: int,
    busy_seconds: float,
) -> dict[str, Any]:
    # httpx logs each request at INFO, which Django's logging would print.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(database_url, data_dir, port)
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            result: dict[str, Any] = {"front_alone": front_page_times(http, 20)}
            result["peak_mb_idle"] = peak_worker_mb(server)
            # Each gunicorn worker's first post imports and compiles what the form needs.
            for _ in range(WARM_UP_POSTS):
                timed_post(http, category_id, hostile)
            result["hostile_alone"] = summary(
                [timed_post(http, category_id, hostile) for _ in range(rounds)]
            )
            result["peak_mb_hostile"] = peak_worker_mb(server)
            result["busy"] = busy(base, category_id, hostile, busy_seconds)
            result["peak_mb_busy"] = peak_worker_mb(server)
            result["plain_alone"] = summary(
                [timed_post(http, category_id, plain) for _ in range(rounds)]
            )
            result["peak_mb_plain"] = peak_worker_mb(server)
    finally:
        stop_server(server)
    return result


def timed_post(http: httpx.Client, category_id: int, photos: list[bytes]) -> tuple[float, int]:
    fields, files = web_post(category_id, photos)
    fields["csrfmiddlewaretoken"] = csrf_token(http)
    started = time.perf_counter()
    try:
        response = http.post(
            "/report/new", data=fields, files=files, headers={"X-Forwarded-For": forwarded_for()}
        )
        status = response.status_code
    except httpx.HTTPError:
        status = 0  # no answer at all: gunicorn killed the worker, or the client gave up
    return time.perf_counter() - started, status


def csrf_token(http: httpx.Client) -> str:
    """The form's CSRF token, as a browser has it from the report form (fetched once per
    client, whose cookie goes with it)."""
    if id(http) not in tokens:
        form = http.get("/report/new", params={"lat": LAT, "lon": LON}).text
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if found is None:
            raise SystemExit("The report form has no CSRF token: the benchmark needs updating.")
        tokens[id(http)] = found[1]
    return tokens[id(http)]


def front_page_times(http: httpx.Client, count: int) -> dict[str, Any]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        http.get("/").raise_for_status()
        seconds.append(time.perf_counter() - started)
    return {"median_s": median(seconds), "p95_s": p95(seconds), "max_s": max(seconds)}


def summary(outcomes: list[tuple[float, int]]) -> dict[str, Any]:
    seconds = [s for s, _ in outcomes]
    return {
        "count": len(outcomes),
        "median_s": median(seconds),
        "p95_s": p95(seconds),
        "max_s": max(seconds),
        "statuses": sorted({status for _, status in outcomes}),
    }


def busy(base: str, category_id: int, hostile: list[bytes], seconds: float) -> dict[str, Any]:
    """CONCURRENT_POSTS clients posting the hostile post back to back for `seconds`, and one
    asking for the front page every FRONT_PAGE_EVERY seconds meanwhile."""
    stop = time.monotonic() + seconds
    posts: list[tuple[float, int]] = []
    fronts: list[tuple[float, int]] = []

    def poster() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop:
                posts.append(timed_post(http, category_id, hostile))

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    status = http.get("/").status_code
                except httpx.HTTPError:
                    status = 0
                fronts.append((time.perf_counter() - started, status))
                time.sleep(FRONT_PAGE_EVERY)

    threads = [threading.Thread(target=poster) for _ in range(CONCURRENT_POSTS)]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": seconds, "posts": summary(posts), "front": summary(fronts)}


def run(database_url: str, data_dir: str, quick: bool) -> dict[str, Any]:
    from django.db import connection

    from bench.near import database_version

    rounds = QUICK_ROUNDS if quick else ROUNDS
    category_id, key = make_site()
    started = time.perf_counter()
    hostile = [hostile_png()] * HOSTILE_COPIES
    plain = [phone_jpeg()]
    worst = [hostile_png(WORST_SIDE)] * HOSTILE_COPIES
    made_s = time.perf_counter() - started
    load = os.getloadavg()[0]
    result: dict[str, Any] = {
        "vendor": connection.vendor,
        "database_version": database_version(),
        "images_made_s": made_s,
        "hostile_bytes": sum(len(data) for data in hostile),
        "hostile_pixels": HOSTILE_SIDE * HOSTILE_SIDE,
        "plain_bytes": len(plain[0]),
        "rounds": rounds,
        "targets_s": {"post": TARGET_POST_S, "front_page": TARGET_FRONT_PAGE_S},
        "load_before": load,
    }
    result["in_process"] = in_process(category_id, key, hostile, plain, worst, rounds)
    connection.close()
    result["server"] = against_server(
        database_url,
        data_dir,
        category_id,
        hostile,
        plain,
        rounds,
        QUICK_BUSY_SECONDS if quick else BUSY_SECONDS,
    )
    result["load_after"] = os.getloadavg()[0]
    return result


# Output


def print_result(result: dict[str, Any]) -> None:
    print("\n" + section([result]))


def section(results: list[dict[str, Any]]) -> str:
    """The markdown section for docs/performance.md."""
    first = results[0]
    parts = [
        "## Photos (`bench/photos.py`)",
        "",
        f"The audit's hostile post (issue 12): {HOSTILE_COPIES} copies of a "
        f"{HOSTILE_SIDE} x {HOSTILE_SIDE} RGBA PNG, {first['hostile_bytes'] / 1e6:.1f} MB in "
        f"all, each of which decodes to {HOSTILE_SIDE * HOSTILE_SIDE * 4 / 1e6:.0f} MB. Before "
        "the fix it took 21.8 s and 722 MB of one web worker, and three at once made gunicorn "
        "time out and the front page wait 36 s. The plain post is one 12-megapixel phone JPEG "
        f"({first['plain_bytes'] / 1e6:.1f} MB, turned by its EXIF). Both are made by the "
        "benchmark; each post comes from an address of its own, so the rate limits do not "
        "hide the cost. `python -m bench.photos`.",
        "",
        "The hostile post is now refused from the PNG headers: at most 25 megapixels are "
        "decoded for a PNG, WebP or HEIC, and a JPEG is decoded at 1/2 to 1/8 scale "
        "(docs/deploy.md, Photos). What is accepted is still decoded and resized in the "
        "web worker that took the post: the worst accepted post, five PNGs just under the "
        "limit, is measured beside the others, and is what a hostile client can still make "
        "one worker do per post.",
    ]
    for result in results:
        parts += database_part(result)
    return "\n".join(parts) + "\n"


def database_part(result: dict[str, Any]) -> list[str]:
    local, server = result["in_process"], result["server"]
    busy = server["busy"]
    targets = result["targets_s"]
    post_met = busy["posts"]["max_s"] <= targets["post"]
    front_met = busy["front"]["max_s"] <= targets["front_page"]
    return [
        "",
        f"**{result['vendor']} {result['database_version']}**, median of {result['rounds']} "
        f"posts each (load average {result['load_before']:.1f} before, "
        f"{result['load_after']:.1f} after; the machine is shared):",
        "",
        "| In the process (test Client, the real views) | Median s | Max s | Status | "
        "× plain post |",
        "|---|---:|---:|---|---:|",
        local_row("/report/new, hostile post", local["web_hostile"], local["web_ratio"]),
        local_row("/report/new, plain post", local["web_plain"], 1.0),
        local_row(
            f"/report/new, the worst accepted: {HOSTILE_COPIES} RGBA PNGs of "
            f"{WORST_SIDE} x {WORST_SIDE}",
            local["web_worst"],
            local["worst_ratio"],
        ),
        local_row("Open311 POST, hostile post", local["open311_hostile"], local["open311_ratio"]),
        local_row("Open311 POST, plain post", local["open311_plain"], 1.0),
        "",
        "| Against `torget serve` on 127.0.0.1 | Requests | Median s | p95 s | Max s | Status |",
        "|---|---:|---:|---:|---:|---|",
        server_row("Front page, alone", {"count": 20, **server["front_alone"], "statuses": [200]}),
        server_row("/report/new, hostile post, one at a time", server["hostile_alone"]),
        server_row("/report/new, plain post, one at a time", server["plain_alone"]),
        server_row(
            f"/report/new, hostile post, {CONCURRENT_POSTS} at once for {busy['seconds']:.0f} s",
            busy["posts"],
        ),
        server_row("Front page, meanwhile", busy["front"]),
        "",
        f"Targets: the hostile post answers within {targets['post']:.0f} s "
        f"({'met' if post_met else 'NOT MET'}: slowest {busy['posts']['max_s']:.2f} s), the "
        f"front page within {targets['front_page']:.0f} s while they run "
        f"({'met' if front_met else 'NOT MET'}: slowest {busy['front']['max_s']:.2f} s). "
        f"Peak memory of the server's busiest process (VmHWM): {server['peak_mb_idle']:.0f} MB "
        f"after the front page, {server['peak_mb_busy']:.0f} MB after all the hostile posts, "
        f"{server['peak_mb_plain']:.0f} MB after the plain posts.",
    ]


def local_row(name: str, figures: dict[str, Any], versus_plain: float) -> str:
    statuses = ", ".join(str(status) for status in figures["statuses"])
    return (
        f"| {name} | {figures['median_s']:.3f} | {figures['max_s']:.3f} | {statuses} | "
        f"{times(versus_plain) if versus_plain >= 1 else f'{versus_plain:.2f}x'} |"
    )


def server_row(name: str, figures: dict[str, Any]) -> str:
    statuses = ", ".join(str(status) for status in figures["statuses"])
    return (
        f"| {name} | {figures['count']} | {figures['median_s']:.3f} | "
        f"{figures['p95_s']:.3f} | {figures['max_s']:.3f} | {statuses} |"
    )


if __name__ == "__main__":
    main()
