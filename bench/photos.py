"""Photos: what a post with photos costs the web request and the worker, and whether hostile
posts can stall the site.

The posts, all made here so that no binary is committed:

- plain: one 12-megapixel phone JPEG (4032 x 3024, turned by its EXIF), what a citizen sends;
- refused: the audit's (issue 12), five 7000 x 7000 RGBA PNGs of one colour, about 200 KB
  each, refused from their headers;
- hostile: five 4999 x 4999 RGBA PNGs of one colour (about 1 MB in all), the largest post
  accepted. Each decodes to 100 MB and takes seconds; made in the web request, as before the
  worker made the photos, it held a web worker about 24 s.

1. In the benchmark's process, through Django's test Client and the real views: each post to
   /report/new and to the Open311 POST, a few times (tasks queued to nowhere, so the request
   alone is timed); then the worker's cost of one hostile and one plain post, made by
   reports.photos.make_ready as the worker makes them (wall and CPU seconds).
2. Against a real `torget serve` (gunicorn as main configures it) and a real `torget worker`
   on 127.0.0.1: the front page alone; the plain post one at a time, and how long until its
   photo is ready; the hostile post one at a time, and how long until the worker has made
   all their photos; then three clients posting the hostile post back to back while the front
   page is asked for every quarter second. Targets: the post answers within 2 s, the front
   page within 1 s. The peak memory (VmHWM) of the web processes and of the worker is read
   after each phase, and the photos the busy phase left the worker to make are counted:
   that is where their cost went.

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

# The audit's PNGs, refused from their headers (49 megapixels, over the 25 decoded at most).
REFUSED_SIDE = 7000
# The largest PNG still accepted: 24.99 megapixels, just under lib/images.MAX_DECODED_PIXELS.
HOSTILE_SIDE = 4999
COPIES = 5
PHONE_SIZE = (4032, 3024)
ROUNDS = 3
QUICK_ROUNDS = 3
CONCURRENT_POSTS = 3
WARM_UP_POSTS = 4
BUSY_SECONDS = 20.0
QUICK_BUSY_SECONDS = 10.0
FRONT_PAGE_EVERY = 0.25
# How long to wait for the worker to make the photos of the posts one at a time.
READY_TIMEOUT_S = 120.0
TARGET_POST_S = 2.0
TARGET_FRONT_PAGE_S = 1.0
KONGSVINGER = "3401"
# A point in Kongsvinger's town centre.
LAT, LON = 60.1905, 11.9977
addresses = itertools.count(1)
# Each HTTP client's CSRF token, by id(client).
tokens: dict[int, str] = {}
# Tasks queued in the benchmark's own process go nowhere: only the request is timed there, and
# the worker started later must not find a backlog from it.
NO_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


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


def one_colour_png(side: int) -> bytes:
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
    posts: dict[str, list[bytes]],
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

    def web(photos: list[bytes]) -> Callable[[], tuple[float, int]]:
        return lambda: post("/report/new", web_post(category_id, photos))

    def open311(photos: list[bytes]) -> Callable[[], tuple[float, int]]:
        return lambda: post("/open311/v2/requests.json", open311_post(category_id, key, photos))

    cases = {f"web_{kind}": web(photos) for kind, photos in posts.items()}
    cases |= {f"open311_{kind}": open311(photos) for kind, photos in posts.items()}
    client = Client()
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        TRUSTED_PROXIES=1,
        OPEN311_POSTS_PER_HOUR=0,
        TASKS=NO_TASKS,
    ):
        # The first request of a kind imports and compiles templates; it is not measured.
        results: dict[str, Any] = {name: measure(case, rounds) for name, case in cases.items()}
    for channel in ("web", "open311"):
        for kind in ("refused", "hostile"):
            results[f"{channel}_{kind}_ratio"] = ratio(
                results[f"{channel}_{kind}"]["median_s"], results[f"{channel}_plain"]["median_s"]
            )
    return results


def measure(case: Callable[[], tuple[float, int]], rounds: int) -> dict[str, Any]:
    case()
    outcomes = [case() for _ in range(rounds)]
    seconds = [s for s, _ in outcomes]
    return {
        "median_s": median(seconds),
        "max_s": max(seconds),
        "statuses": sorted({status for _, status in outcomes}),
    }


def worker_cost(photos: list[bytes]) -> dict[str, float]:
    """What making these photos costs the worker: each recorded as a post records it, then
    made by reports.photos.make_ready, as the worker's task does."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test.utils import override_settings

    from torget.lib.images import check_upload
    from torget.reports import actions
    from torget.reports.models import Report
    from torget.reports.photos import make_ready

    report = Report.objects.order_by("-pk").first()
    assert report is not None
    uploads = [check_upload(SimpleUploadedFile(f"{n}.img", data)) for n, data in enumerate(photos)]
    with override_settings(TASKS=NO_TASKS), transaction.atomic():
        saved = actions.save_photos(report, uploads)
    wall, cpu = time.perf_counter(), time.process_time()
    outcomes = {make_ready(photo.pk) for photo in saved}
    if outcomes != {"ready"}:
        raise SystemExit(f"The worker did not make the photos: {outcomes}")
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


# 2. Against `torget serve` and `torget worker`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site_environment(database_url: str, data_dir: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "TORGET_DATABASE_URL": database_url,
        "TORGET_DATA_DIR": data_dir,
        "TORGET_DEBUG": "0",
        "TORGET_EMAIL_URL": "memory:",
        "TORGET_BASE_URL": f"http://127.0.0.1:{port}",
        "TORGET_TRUSTED_PROXIES": "1",
        "TORGET_OPEN311_POSTS_PER_HOUR": "0",
    }


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
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
    stop(server)
    raise SystemExit("torget serve did not answer within 120 s")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "torget", "worker", "--interval", "0.5", "--verbosity", "0"]
    return subprocess.Popen(
        command, cwd=REPO_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


def peak_mb(process: subprocess.Popen[bytes]) -> float:
    """The highest peak resident memory (VmHWM) among the process and those under it, in MB."""
    peaks = [0.0]
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def photo_counts() -> dict[str, int]:
    """Photos by state, read from the database the site and the worker share."""
    from django.db.models import Count

    from torget.reports.models import Photo

    counts = dict(Photo.objects.values_list("state").annotate(n=Count("pk")).order_by())
    return {state: counts.get(state, 0) for state in ("pending", "ready", "failed")}


def wait_until_made(timeout: float) -> float | None:
    """Seconds until the worker has left no photo pending; None if it has not within
    `timeout` (or a photo failed, which none of these should)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        counts = photo_counts()
        if counts["failed"]:
            raise SystemExit(f"The worker failed {counts['failed']} photos.")
        if not counts["pending"]:
            return time.perf_counter() - started
        time.sleep(0.2)
    return None


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
    env = site_environment(database_url, data_dir, port)
    server = start_server(env, port)
    worker = start_worker(env)
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            result: dict[str, Any] = {"front_alone": front_page_times(http, 20)}
            # Each gunicorn worker's first post imports and compiles what the form needs.
            for _ in range(WARM_UP_POSTS):
                timed_post(http, category_id, plain)
            wait_until_made(READY_TIMEOUT_S)
            result["plain_alone"] = summary(
                [timed_post(http, category_id, plain) for _ in range(rounds)]
            )
            result["plain_made_s"] = wait_until_made(READY_TIMEOUT_S)
            posted = time.perf_counter()
            result["hostile_alone"] = summary(
                [timed_post(http, category_id, hostile) for _ in range(rounds)]
            )
            made = wait_until_made(READY_TIMEOUT_S)
            result["hostile_photos"] = rounds * len(hostile)
            result["hostile_made_s"] = None if made is None else time.perf_counter() - posted
            result["peak_mb_web_alone"] = peak_mb(server)
            result["peak_mb_worker_alone"] = peak_mb(worker)
            before = photo_counts()
            result["busy"] = busy(base, category_id, hostile, busy_seconds)
            after = photo_counts()
            result["busy"]["photos_posted"] = result["busy"]["posts"]["accepted"] * len(hostile)
            result["busy"]["photos_made"] = after["ready"] - before["ready"]
            result["busy"]["photos_left"] = after["pending"]
            result["peak_mb_web_busy"] = peak_mb(server)
            result["peak_mb_worker_busy"] = peak_mb(worker)
    finally:
        stop(worker)
        stop(server)
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
        "accepted": sum(1 for _, status in outcomes if status in (200, 302)),
    }


def busy(base: str, category_id: int, hostile: list[bytes], seconds: float) -> dict[str, Any]:
    """CONCURRENT_POSTS clients posting the hostile post back to back for `seconds`, and one
    asking for the front page every FRONT_PAGE_EVERY seconds meanwhile."""
    stop_at = time.monotonic() + seconds
    posts: list[tuple[float, int]] = []
    fronts: list[tuple[float, int]] = []

    def poster() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop_at:
                posts.append(timed_post(http, category_id, hostile))

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop_at:
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
    from torget.reports.models import Report

    rounds = QUICK_ROUNDS if quick else ROUNDS
    category_id, key = make_site()
    started = time.perf_counter()
    posts = {
        "refused": [one_colour_png(REFUSED_SIDE)] * COPIES,
        "hostile": [one_colour_png(HOSTILE_SIDE)] * COPIES,
        "plain": [phone_jpeg()],
    }
    made_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "vendor": connection.vendor,
        "database_version": database_version(),
        "images_made_s": made_s,
        "bytes": {kind: sum(len(data) for data in photos) for kind, photos in posts.items()},
        "rounds": rounds,
        "targets_s": {"post": TARGET_POST_S, "front_page": TARGET_FRONT_PAGE_S},
        "load_before": os.getloadavg(),
    }
    result["in_process"] = in_process(category_id, key, posts, rounds)
    result["worker_cost"] = {
        "hostile": worker_cost(posts["hostile"]),
        "plain": worker_cost(posts["plain"]),
    }
    # Only what the server's phase posts is the worker's to make there.
    Report.objects.all().delete()
    connection.close()
    result["server"] = against_server(
        database_url,
        data_dir,
        category_id,
        posts["hostile"],
        posts["plain"],
        rounds,
        QUICK_BUSY_SECONDS if quick else BUSY_SECONDS,
    )
    result["load_after"] = os.getloadavg()
    return result


# Output


def print_result(result: dict[str, Any]) -> None:
    print("\n" + section([result]))


def section(results: list[dict[str, Any]]) -> str:
    """The markdown section for docs/performance.md."""
    first = results[0]
    sizes = first["bytes"]
    parts = [
        "## Photos (`bench/photos.py`)",
        "",
        f"The posts: *plain*, one 12-megapixel phone JPEG ({sizes['plain'] / 1e6:.1f} MB, "
        f"turned by its EXIF); *refused*, the audit's (issue 12), {COPIES} copies of a "
        f"{REFUSED_SIDE} x {REFUSED_SIDE} RGBA PNG ({sizes['refused'] / 1e6:.1f} MB in all), "
        "which Torget refuses from their headers; *hostile*, the largest post accepted, "
        f"{COPIES} copies of a {HOSTILE_SIDE} x {HOSTILE_SIDE} RGBA PNG "
        f"({sizes['hostile'] / 1e6:.1f} MB in all), each of which decodes to "
        f"{HOSTILE_SIDE * HOSTILE_SIDE * 4 / 1e6:.0f} MB. Made in the web request, the hostile "
        "post held a web worker about 24 s; the audit's post once took 21.8 s and 722 MB, and "
        "three at once made gunicorn time out and the front page wait 36 s. All are made by "
        "the benchmark; each post comes from an address of its own, so the rate limits do not "
        "hide the cost. `python -m bench.photos`.",
        "",
        "The web request now decodes nothing: it checks each photo's header and stores the "
        "upload, and `torget worker` makes the sizes (docs/deploy.md, Photos). So the hostile "
        "post costs the request about what the plain one does, and its seconds of decoding "
        "are the worker's, one photo at a time, behind e-mails and deliveries. Against the "
        "server, a real `torget worker` runs beside `torget serve`, as in production, so the "
        "front page's figures include the worker making photos on the same cores.",
    ]
    for result in results:
        parts += database_part(result)
    return "\n".join(parts) + "\n"


def database_part(result: dict[str, Any]) -> list[str]:
    local, server, cost = result["in_process"], result["server"], result["worker_cost"]
    busy = server["busy"]
    targets = result["targets_s"]
    post_met = busy["posts"]["max_s"] <= targets["post"]
    front_met = busy["front"]["max_s"] <= targets["front_page"]
    load_before = ", ".join(f"{load:.1f}" for load in result["load_before"])
    load_after = ", ".join(f"{load:.1f}" for load in result["load_after"])
    hostile_made = server["hostile_made_s"]
    return [
        "",
        f"**{result['vendor']} {result['database_version']}**, median of {result['rounds']} "
        f"posts each (load average over 1, 5 and 15 minutes {load_before} before and "
        f"{load_after} after, on 2 cores shared with other work):",
        "",
        "| In the process (test Client, the real views) | Median s | Max s | Status | "
        "× plain post |",
        "|---|---:|---:|---|---:|",
        local_row("/report/new, plain post", local["web_plain"], 1.0),
        local_row("/report/new, refused post", local["web_refused"], local["web_refused_ratio"]),
        local_row("/report/new, hostile post", local["web_hostile"], local["web_hostile_ratio"]),
        local_row("Open311 POST, plain post", local["open311_plain"], 1.0),
        local_row(
            "Open311 POST, refused post", local["open311_refused"], local["open311_refused_ratio"]
        ),
        local_row(
            "Open311 POST, hostile post", local["open311_hostile"], local["open311_hostile_ratio"]
        ),
        "",
        "What the worker then spends making the photos of one post "
        f"(`reports.photos.make_ready`): the hostile post {cost['hostile']['wall_s']:.1f} s "
        f"({cost['hostile']['cpu_s']:.1f} s CPU) for its {COPIES} photos, the plain post "
        f"{cost['plain']['wall_s']:.2f} s ({cost['plain']['cpu_s']:.2f} s CPU).",
        "",
        "| Against `torget serve` and `torget worker` on 127.0.0.1 | Requests | Median s | "
        "p95 s | Max s | Status |",
        "|---|---:|---:|---:|---:|---|",
        server_row("Front page, alone", {"count": 20, **server["front_alone"], "statuses": [200]}),
        server_row("/report/new, plain post, one at a time", server["plain_alone"]),
        server_row("/report/new, hostile post, one at a time", server["hostile_alone"]),
        server_row(
            f"/report/new, hostile post, {CONCURRENT_POSTS} at once for {busy['seconds']:.0f} s",
            busy["posts"],
        ),
        server_row("Front page, meanwhile", busy["front"]),
        "",
        f"Targets: the hostile post answers within {targets['post']:.0f} s "
        f"({'met' if post_met else 'NOT MET'}: slowest {busy['posts']['max_s']:.2f} s), the "
        f"front page within {targets['front_page']:.0f} s while {CONCURRENT_POSTS} of them run "
        f"({'met' if front_met else 'NOT MET'}: slowest {busy['front']['max_s']:.2f} s).",
        "",
        "The worker: the plain posts' photos were ready "
        f"{seconds(server['plain_made_s'])} after the last post answered; the "
        f"{server['hostile_photos']} photos of the hostile posts one at a time were all ready "
        f"{seconds(hostile_made)} after the first was posted. During the busy run "
        f"{busy['photos_posted']} photos were posted and the worker made "
        f"{busy['photos_made']}; {busy['photos_left']} were left waiting for it, which is "
        "where the cost of a flood of hostile posts goes now (the rate limits, off here, "
        "allow one address 30 posts an hour). Peak memory (VmHWM): the web processes "
        f"{server['peak_mb_web_alone']:.0f} MB after the posts one at a time and "
        f"{server['peak_mb_web_busy']:.0f} MB after the busy run; the worker "
        f"{server['peak_mb_worker_alone']:.0f} MB and {server['peak_mb_worker_busy']:.0f} MB.",
    ]


def seconds(value: float | None) -> str:
    return "not within the wait" if value is None else f"{value:.1f} s"


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
