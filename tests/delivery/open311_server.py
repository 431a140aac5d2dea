"""A small GeoReport v2 server for the tests: a body's Open311 system on 127.0.0.1.

It answers in the spec's exact shapes, in XML or JSON by the resource's suffix, keeps the
service requests it accepted, and records every HTTP request it received. It can be told to
misbehave, either once per request from a queue (`faults`) or always (`mode`):

- "500": an <errors> answer with status 500; nothing is created.
- "timeout": hangs past the client's timeout before doing anything; nothing is created.
- "lost": creates the request, then hangs past the client's timeout (the answer is lost).
- "malformed": answers 200 with cut-off XML or JSON (a POST still creates the request).
- "permanent400": an <errors> answer with status 400 to every POST.

`blackbox = True` makes it answer a POST with neither an id nor a token, and
`token_polls = N` makes it a batch server: a POST is answered with a token, and
tokens/{token} gives the service_request_id only from the N-th poll on.
"""

import datetime
import itertools
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROUTE = re.compile(
    r"^/open311/v2/(?P<resource>requests|services|servicerequestupdates|"
    r"tokens/(?P<token>[^/]+)|requests/(?P<id>[^/]+))\.(?P<fmt>xml|json)$"
)
# The element name of one item in each list, for the XML form (spec §1.10).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
FAULTS = frozenset({"500", "timeout", "lost", "malformed", "permanent400"})

SERVICES = [
    {
        "service_code": "GATELYS",
        "service_name": "Gatelys",
        "description": "Gatelys som er mørke eller blinker",
        "metadata": False,
        "type": "realtime",
        "keywords": "lys, gate",
        "group": "Veg",
    },
    {
        "service_code": "001",
        "service_name": "Hull i vegen",
        "description": "Hull i asfalten",
        "metadata": False,
        "type": "realtime",
        "keywords": "hull, asfalt",
        "group": "Veg",
    },
]


@dataclass
class Received:
    """One HTTP request as it arrived."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]

    def one(self, name: str) -> str:
        return (self.form.get(name) or self.query.get(name) or [""])[0]


@dataclass
class ServiceRequest:
    """A request the server accepted."""

    id: str
    form: dict[str, list[str]]
    token: str = ""
    polls: int = 0
    status: str = "open"
    status_notes: str = ""
    requested: datetime.datetime = field(default_factory=lambda: now())
    updated: datetime.datetime = field(default_factory=lambda: now())

    def field(self, name: str) -> str:
        return (self.form.get(name) or [""])[0]


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def w3c(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Open311TestServer:
    def __init__(self) -> None:
        self.services: list[dict[str, Any]] = [dict(s) for s in SERVICES]
        self.api_key = "nøkkel-123"
        self.received: list[Received] = []
        self.created: list[ServiceRequest] = []
        self.request_updates: list[dict[str, Any]] = []
        self.updates_received: list[Received] = []
        self.faults: deque[str] = deque()
        self.mode = ""
        self.token_polls = 0
        self.hang_seconds = 1.0
        # mySociety's servicerequestupdates extension; some servers lack it (404).
        self.has_updates_extension = True
        # Requests under this path are redirected (301) to /open311/v2/: a moved endpoint.
        self.redirect_from = ""
        # A "blackbox" service answers with neither an id nor a token.
        self.blackbox = False
        # Chicago and others leave the description out of GET requests.
        self.shows_descriptions = True
        self._ids = itertools.count(293944)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/open311/v2/"

    def start(self) -> "Open311TestServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail(self, *faults: str) -> None:
        """Misbehave once for each fault, on the next requests in order."""
        assert set(faults) <= FAULTS, faults
        self.faults.extend(faults)

    def posts(self, resource: str = "requests") -> list[Received]:
        return [r for r in self.received if r.method == "POST" and resource in r.path]

    def find(self, service_request_id: str) -> ServiceRequest:
        return next(r for r in self.created if r.id == service_request_id)

    def change(
        self, service_request_id: str, status: str, notes: str, at: datetime.datetime
    ) -> None:
        """The body's staff change the request: listed by GET requests and, as an update, by
        GET servicerequestupdates."""
        request = self.find(service_request_id)
        request.status, request.status_notes, request.updated = status, notes, at
        self.request_updates.append(
            {
                "update_id": str(next(self._ids)),
                "service_request_id": service_request_id,
                "status": status,
                "description": notes,
                "updated_datetime": w3c(at),
                "media_url": None,
            }
        )

    # What the handler calls; each returns (HTTP status, root element name, items).

    def handle(self, received: Received, match: re.Match[str]) -> tuple[int, str, list[Any]]:
        resource = match["resource"]
        if match["token"]:
            return self._token(match["token"])
        if match["id"]:
            return self._one_request(match["id"])
        if resource == "services":
            return 200, "services", self.services
        if resource == "servicerequestupdates":
            return self._updates(received)
        if received.method == "POST":
            return self._create(received)
        return self._requests(received)

    def _create(self, received: Received) -> tuple[int, str, list[Any]]:
        if received.one("api_key") != self.api_key:
            return errors(403, "Invalid api_key received")
        code = received.one("service_code")
        if code not in {s["service_code"] for s in self.services}:
            return errors(400, f"Service code {code} is not known")
        with self._lock:
            request = ServiceRequest(id=str(next(self._ids)), form=received.form)
            self.created.append(request)
            if self.blackbox:
                return 200, "service_requests", [{"service_notice": "Takk for meldinga"}]
            if self.token_polls:
                request.token = f"tok-{request.id}"
                return 200, "service_requests", [{"token": request.token}]
        return 200, "service_requests", [{"service_request_id": request.id}]

    def _token(self, token: str) -> tuple[int, str, list[Any]]:
        request = next((r for r in self.created if r.token == token), None)
        if request is None:
            return errors(404, f"Token {token} not found")
        request.polls += 1
        if request.polls < self.token_polls:
            return 200, "service_requests", [{"token": token}]
        return 200, "service_requests", [{"service_request_id": request.id, "token": token}]

    def _requests(self, received: Received) -> tuple[int, str, list[Any]]:
        chosen = [r for r in self.created if not (r.token and r.polls < self.token_polls)]
        ids = received.one("service_request_id")
        if ids:
            chosen = [r for r in chosen if r.id in ids.split(",")]
        else:
            chosen = [r for r in chosen if matches(r, received)]
        return 200, "service_requests", [self._record(r) for r in chosen]

    def _one_request(self, service_request_id: str) -> tuple[int, str, list[Any]]:
        request = next((r for r in self.created if r.id == service_request_id), None)
        if request is None:
            return errors(404, f"Service request {service_request_id} not found")
        return 200, "service_requests", [self._record(request)]

    def _record(self, request: ServiceRequest) -> dict[str, Any]:
        description = request.field("description") if self.shows_descriptions else None
        return {
            "service_request_id": request.id,
            "status": request.status,
            "status_notes": request.status_notes or None,
            "service_name": request.field("service_code"),
            "service_code": request.field("service_code"),
            "description": description,
            "agency_responsible": None,
            "service_notice": None,
            "requested_datetime": w3c(request.requested),
            "updated_datetime": w3c(request.updated),
            "expected_datetime": None,
            "address": request.field("address_string"),
            "address_id": None,
            "zipcode": None,
            "lat": float(request.field("lat") or 0),
            "long": float(request.field("long") or 0),
            "media_url": request.field("media_url") or None,
        }

    def _updates(self, received: Received) -> tuple[int, str, list[Any]]:
        if not self.has_updates_extension:
            return errors(404, "Not found")
        if received.method == "POST":
            self.updates_received.append(received)
            return 200, "service_request_updates", [{"update_id": str(next(self._ids))}]
        start = parse(received.one("start_date")) or datetime.datetime.min.replace(tzinfo=UTC)
        end = parse(received.one("end_date")) or datetime.datetime.max.replace(tzinfo=UTC)
        chosen = [
            u for u in self.request_updates if start <= parse_time(u["updated_datetime"]) <= end
        ]
        return 200, "service_request_updates", chosen

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.serve("GET")

            def do_POST(self) -> None:
                self.serve("POST")

            def serve(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                received = Received(method, url.path, parse_qs(url.query), parse_qs(body))
                server.received.append(received)
                if server.redirect_from and url.path.startswith(server.redirect_from):
                    moved = "/open311/v2/" + url.path.removeprefix(server.redirect_from)
                    self.send_response(301)
                    self.send_header("Location", moved)
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                match = ROUTE.match(url.path)
                fmt = match["fmt"] if match else "xml"
                fault = server.faults.popleft() if server.faults else server.mode
                if fault == "timeout":
                    time.sleep(server.hang_seconds)
                    return self.answer(503, fmt, *errors(503, "Gateway timeout")[1:])
                if fault == "500":
                    return self.answer(500, fmt, *errors(500, "Internal error")[1:])
                if fault == "permanent400" and method == "POST":
                    return self.answer(400, fmt, *errors(400, "Service code is not known")[1:])
                if match is None:
                    return self.answer(404, "xml", *errors(404, "No such resource")[1:])
                status, root, items = server.handle(received, match)
                if fault == "lost":
                    time.sleep(server.hang_seconds)
                if fault == "malformed":
                    return self.send(200, fmt, render(fmt, root, items)[:-25])
                return self.answer(status, fmt, root, items)

            def answer(self, status: int, fmt: str, root: str, items: list[Any]) -> None:
                self.send(status, fmt, render(fmt, root, items))

            def send(self, status: int, fmt: str, content: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", CONTENT_TYPES[fmt])
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as a timed-out client does

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def errors(status: int, description: str) -> tuple[int, str, list[Any]]:
    return status, "errors", [{"code": status, "description": description}]


def matches(request: ServiceRequest, received: Received) -> bool:
    codes = received.one("service_code")
    if codes and request.field("service_code") not in codes.split(","):
        return False
    start, end = parse(received.one("start_date")), parse(received.one("end_date"))
    if (start and request.requested < start) or (end and request.requested > end):
        return False
    after = parse(received.one("updated_after"))
    return not (after and request.updated <= after)


def parse(value: str) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))


def parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def render(fmt: str, root: str, items: list[Any]) -> bytes:
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False).encode()
    element = ET.Element(root)
    for item in items:
        child = ET.SubElement(element, ITEM_NAMES[root])
        for name, value in item.items():
            ET.SubElement(child, name).text = xml_text(value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
