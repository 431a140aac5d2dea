"""A GeoReport v2 (Open311) client for sending reports to a body's system and reading back
what happened to them.

Real servers bend the spec (shared reference, open311.md §4), so answers are read leniently:
XML or JSON whatever was asked for, any root element, a lone item where a list belongs,
`"true"` strings for booleans and numbers for ids. Every failure is an `Open311Error`, whose
`permanent` flag says whether asking again can help.
"""

import datetime
import functools
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import httpx
from django.conf import settings

from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Contact

Item = dict[str, Any]
FormValue = str | Sequence[str]
# Containers whose children are always a list, even of one (XML cannot say so itself).
LIST_CONTAINERS = frozenset(
    {"attributes", "values", "endpoints", "formats", "groups", "service_requests", "services"}
)
# Asking again can help: the server timed out, is overloaded or is rate-limiting.
TEMPORARY_STATUSES = frozenset({408, 425, 429})
# Roots whose children are the items, even when there is one, or none.
LIST_ROOTS = frozenset(
    {
        "services",
        "service_requests",
        "requests",  # 6aika's server
        "errors",
        "service_request_updates",
        "service_requests_updates",  # a FixMyStreet fixture
    }
)
POST_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class Open311Error(DeliveryError):
    """The server failed, refused or gave an answer that cannot be read. `status` is the HTTP
    status when there was one (a 404 from an optional endpoint means "not offered here")."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(message, permanent=permanent)
        self.status = status


class HostileXML(ValueError):
    """The answer declares a DOCTYPE or entities: the way into entity-expansion attacks."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one body's Open311 server."""

    url: str
    api_key: str = ""
    jurisdiction: str = ""
    # XML is the format every server must offer (spec §1.1), so it is the safe default.
    format: str = "xml"

    @classmethod
    def of(cls, contact: Contact) -> "Endpoint":
        return cls(contact.endpoint, api_key=contact.api_key, jurisdiction=contact.jurisdiction)

    def resource(self, name: str) -> str:
        return f"{self.url.rstrip('/')}/{name}.{self.format}"


@dataclass(frozen=True)
class PostAnswer:
    """The answer to a POST of a service request: an id, or a token to trade for one later.
    Neither means a "blackbox" service that never tells."""

    service_request_id: str = ""
    token: str = ""


class Open311Client:
    def __init__(self, endpoint: Endpoint, *, timeout: float | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = settings.OPEN311_TIMEOUT if timeout is None else timeout

    def services(self) -> list[Item]:
        return self._get("services")

    def post_request(self, fields: Mapping[str, FormValue]) -> PostAnswer:
        answers = self._post("requests", fields)
        first = answers[0] if answers else {}
        return PostAnswer(text(first, "service_request_id"), text(first, "token"))

    def service_request_id_for(self, token: str) -> str:
        """The id the server gave the request it accepted with `token`; "" while it is still
        processing (the spec leaves that state open; servers answer with the token alone)."""
        for item in self._get(f"tokens/{quote(token, safe='')}"):
            if text(item, "service_request_id"):
                return text(item, "service_request_id")
        return ""

    def requests(self, **params: str) -> list[Item]:
        return self._get("requests", params)

    def request_updates(self, start: datetime.datetime, end: datetime.datetime) -> list[Item]:
        """mySociety's extension: the updates made to any request between the two times."""
        params = {"start_date": w3c(start), "end_date": w3c(end)}
        if self.endpoint.api_key:
            params["api_key"] = self.endpoint.api_key
        return self._get("servicerequestupdates", params)

    def post_update(self, fields: Mapping[str, FormValue]) -> str:
        """mySociety's extension: tell the server about an update; returns its update_id."""
        answers = self._post("servicerequestupdates", fields)
        return text(answers[0], "update_id") if answers else ""

    def _get(self, resource: str, params: Mapping[str, str] | None = None) -> list[Item]:
        query = dict(params or {})
        if self.endpoint.jurisdiction:
            query["jurisdiction_id"] = self.endpoint.jurisdiction
        return self._call("GET", resource, params=query)

    def _post(self, resource: str, fields: Mapping[str, FormValue]) -> list[Item]:
        form = dict(fields)
        form.setdefault("api_key", self.endpoint.api_key)
        if self.endpoint.jurisdiction:
            form.setdefault("jurisdiction_id", self.endpoint.jurisdiction)
        body = httpx.QueryParams(
            [(k, v) for k, values in form.items() for v in as_list(values) if v != ""]
        )
        return self._call("POST", resource, content=str(body).encode(), headers=POST_HEADERS)

    def _call(self, method: str, resource: str, **kwargs: Any) -> list[Item]:
        url = self.endpoint.resource(resource)
        try:
            response = shared_http().request(method, url, timeout=self.timeout, **kwargs)
        except httpx.TimeoutException:
            raise Open311Error(f"{method} {url} timed out after {self.timeout} s.") from None
        except httpx.HTTPError as error:
            raise Open311Error(f"{method} {url} failed: {error}") from None
        return read_answer(response, f"{method} {url}")


@functools.cache
def shared_http() -> httpx.Client:
    """One connection pool per process: a new client per request costs more (TLS set-up)
    than most Open311 calls take."""
    return httpx.Client()


def read_answer(response: httpx.Response, what: str) -> list[Item]:
    """The items of a successful answer, or an Open311Error that says why there are none."""
    status = response.status_code
    if response.is_redirect:
        # Not followed: a POST redirected becomes a GET whose list would pass for an answer.
        location = response.headers.get("location", "")
        raise Open311Error(f"{what} redirects to {location}.", permanent=True, status=status)
    try:
        items = parse_document(response.content, response.headers.get("content-type", ""))
    except ValueError as error:
        if status < 400:
            raise Open311Error(f"{what}: unreadable answer ({error}).", status=status) from None
        items = []
    problems = error_descriptions(items) if status >= 400 or is_error_list(items) else []
    if status < 400 and not problems:
        return items
    detail = "; ".join(problems) or response.text[:200].strip() or response.reason_phrase
    message = f"{what} answered {status}: {detail}"
    temporary = status >= 500 or status in TEMPORARY_STATUSES
    raise Open311Error(message, permanent=not temporary, status=status)


def parse_document(content: bytes, content_type: str = "") -> list[Item]:
    """Any GeoReport answer as a list of items, ignoring the root's name and attributes."""
    kind = content_type.split(";")[0].strip().lower()
    stripped = content.lstrip()
    if "json" in kind or (not kind.endswith("xml") and stripped[:1] in (b"[", b"{")):
        return items_from_json(content)
    return items_from_xml(content)


def items_from_json(content: bytes) -> list[Item]:
    try:
        document = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from None
    # The FixMyStreet server wraps its lists in an object ({"service_requests": [...]}).
    if isinstance(document, dict) and len(document) == 1:
        (inner,) = document.values()
        if isinstance(inner, list):
            document = inner
    if isinstance(document, dict):
        return [document]
    if not isinstance(document, list):
        raise ValueError(f"a JSON {type(document).__name__} where a list belongs")
    return [item if isinstance(item, dict) else {"": item} for item in document]


def items_from_xml(content: bytes) -> list[Item]:
    root = safe_xml(content)
    children = list(root)
    alike = len({local(child.tag) for child in children}) == 1
    if local(root.tag) in LIST_ROOTS or (alike and all(len(child) for child in children)):
        return [
            element_value(child) if len(child) else {"": (child.text or "").strip()}
            for child in children
        ]
    return [element_value(root)] if children else []  # one object: <service_definition>


def safe_xml(content: bytes) -> ET.Element:
    """Parse without ever expanding an entity. defusedxml is not installed, so expat is
    driven directly and any DOCTYPE (the only place entities can be declared) is refused
    before its declarations take effect."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(content, True)
        return builder.close()
    except (ExpatError, AssertionError) as error:
        raise ValueError(f"not XML: {error}") from None


def refuse_doctype(*args: object) -> None:
    raise HostileXML("a DOCTYPE in an Open311 answer")


def element_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip() or None
    names = [local(child.tag) for child in children]
    if local(element.tag) in LIST_CONTAINERS or (len(children) > 1 and len(set(names)) == 1):
        return [element_value(child) for child in children]
    # A name that repeats is a list too: old definitions put <attribute>s straight under
    # <service_definition>, and FixMyStreet repeats <media_url>.
    value: Item = {}
    for name, child in zip(names, children, strict=True):
        if names.count(name) > 1:
            value.setdefault(name, []).append(element_value(child))
        else:
            value[name] = element_value(child)
    return value


def local(tag: str) -> str:
    """The tag without its namespace: San Francisco's root carries SOAP namespaces."""
    return tag.rsplit("}", 1)[-1]


def is_error_list(items: list[Item]) -> bool:
    return bool(items) and all(set(item) <= {"code", "description", ""} for item in items)


def error_descriptions(items: list[Item]) -> list[str]:
    """The people-readable descriptions of an <errors> answer, also the bare-text form
    `<error>text</error>` that older servers send."""
    problems = []
    for item in items:
        description = text(item, "description") or text(item, "")
        code = text(item, "code")
        if description or code:
            problems.append(f"{description} ({code})" if code else description)
    return problems


def text(item: Mapping[str, Any], key: str) -> str:
    """A field as a string: ids arrive as numbers from some servers, and empty as null."""
    value = item.get(key)
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def flag(item: Mapping[str, Any], key: str) -> bool:
    """A boolean field, which open311-adapter sends as the strings "true" and "false"."""
    value = item.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def as_list(value: FormValue) -> Sequence[str]:
    return [value] if isinstance(value, str) else value


def attribute_fields(attributes: Mapping[str, FormValue]) -> dict[str, FormValue]:
    """`attribute[CODE]=v`, and the spec's `attribute[CODE][]=v1&...` for several values."""
    fields: dict[str, FormValue] = {}
    for code, value in attributes.items():
        if isinstance(value, str):
            fields[f"attribute[{code}]"] = value
        else:
            fields[f"attribute[{code}][]"] = list(value)
    return fields


def w3c(moment: datetime.datetime) -> str:
    """The W3C form the spec asks for, with seconds precision and an explicit offset."""
    return moment.replace(microsecond=0).isoformat()


def parse_w3c(value: str) -> datetime.datetime | None:
    """A datetime from a server, or None. Accepts `Z`, fractions, a space where an
    unencoded `+` was, and no offset at all (read as UTC)."""
    value = value.strip()
    if not value:
        return None
    if " " in value[11:]:
        value = value[:11] + value[11:].replace(" ", "+")
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
