"""One Python structure per answer, written out as XML or JSON.

The JSON is built from the structure, never by converting the XML: a `<request>` holding only
a `<token>` would otherwise come out as a nested array (the Spark convention's trap). Lists
become repeated child elements named by ITEM_NAMES, None becomes an empty element in XML and
null in JSON, booleans are `true`/`false` in both.
"""

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")

# The element name of one item in each list, by the list's own name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
    "media_urls": "media_url",
    "groups": "group",
}
# XML 1.0 cannot carry these characters at all, not even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(body, content_type=JSON_CONTENT_TYPE, status=status)
    return HttpResponse(to_xml(root, data), content_type=XML_CONTENT_TYPE, status=status)


def to_xml(root: str, data: Any) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n']
    element(parts, root, data)
    return "".join(parts)


def element(parts: list[str], name: str, value: Any) -> None:
    if value is None or value == "" or value == [] or value == {}:
        parts.append(f"<{name}/>")
        return
    parts.append(f"<{name}>")
    if isinstance(value, dict):
        for key, child in value.items():
            element(parts, key, child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(name, "item")
        for child in value:
            element(parts, item, child)
    else:
        parts.append(text(value))
    parts.append(f"</{name}>")


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(NOT_XML.sub("", str(value)))
