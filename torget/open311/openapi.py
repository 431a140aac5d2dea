"""The OpenAPI 3.1 document of Torget's GeoReport v2 server, served at v2/openapi.json.

Built here rather than written by hand so that both formats of every resource are described
from one table, and tests/open311 check every answer against it. Each resource has a path
per format (`requests.json`, `requests.xml`): that is how clients call them, and it lets the
JSON answers carry their schemas while the XML ones are declared as text/xml.
"""

from typing import Any

from django.conf import settings

from torget.open311.params import MAX_PAGE_SIZE, MAX_RADIUS_M
from torget.open311.records import REQUEST_FIELDS
from torget.reports.models import Datatype

PREFIX = "/open311/v2"
JSON = "application/json"
XML = "text/xml"
NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {
    "type": "string",
    "description": "ISO 8601 with the offset, seconds precision: 2026-11-28T17:42:00+01:00",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def closed_object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


SCHEMAS: dict[str, Any] = {
    "Error": closed_object(
        {
            "code": {"type": "integer", "description": "The HTTP status."},
            "description": {"type": "string"},
        }
    ),
    "Errors": {"type": "array", "items": ref("Error"), "minItems": 1},
    "Discovery": closed_object(
        {
            "changeset": {"type": "string"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": closed_object(
                    {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string"},
                        "type": {"enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    }
                ),
            },
        }
    ),
    "Service": closed_object(
        {
            "service_code": {"type": "string", "description": "The category's id."},
            "service_name": {"type": "string"},
            "description": NULLABLE_STRING,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": NULLABLE_STRING,
            "group": NULLABLE_STRING,
            "agency_responsible": {"type": "string", "description": "Torget extension."},
            "jurisdiction_id": {"type": "string", "description": "Torget extension."},
        }
    ),
    "Services": {"type": "array", "items": ref("Service")},
    "ServiceDefinition": closed_object(
        {
            "service_code": {"type": "string"},
            "attributes": {
                "type": "array",
                "items": closed_object(
                    {
                        "variable": {"type": "boolean"},
                        "code": {"type": "string"},
                        "datatype": {"enum": list(Datatype.values)},
                        "required": {"type": "boolean"},
                        "datatype_description": NULLABLE_STRING,
                        "order": {"type": "integer", "minimum": 0},
                        "description": {"type": "string"},
                        "values": {
                            "type": "array",
                            "items": closed_object(
                                {"key": {"type": "string"}, "name": {"type": "string"}}
                            ),
                        },
                    }
                ),
            },
        }
    ),
    "ServiceRequest": closed_object(
        {
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "status_notes": NULLABLE_STRING,
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": {"type": "string", "maxLength": 4000},
            "agency_responsible": NULLABLE_STRING,
            "service_notice": NULLABLE_STRING,
            "requested_datetime": DATETIME,
            "updated_datetime": DATETIME,
            "expected_datetime": {"type": ["string", "null"]},
            "address": NULLABLE_STRING,
            "address_id": NULLABLE_STRING,
            "zipcode": NULLABLE_STRING,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "media_url": NULLABLE_STRING,
            "extended_attributes": ref("ExtendedAttributes"),
            "notes": {"type": "array", "items": ref("Note")},
        },
        required=list(REQUEST_FIELDS),
    ),
    "ExtendedAttributes": closed_object(
        {
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "detailed_status": {"type": "string"},
            "group": NULLABLE_STRING,
            "url": {"type": "string"},
            "duplicate_of": NULLABLE_STRING,
            "photos": {"type": "array", "items": {"type": "string"}},
            "attributes": {
                "type": "array",
                "items": closed_object({"code": {"type": "string"}, "value": {"type": "string"}}),
            },
        }
    ),
    "Note": closed_object(
        {
            "datetime": DATETIME,
            "type": {"enum": ["answer", "comment"]},
            "description": {"type": "string"},
            "agency": NULLABLE_STRING,
            "status": NULLABLE_STRING,
        }
    ),
    "ServiceRequests": {"type": "array", "items": ref("ServiceRequest")},
    "PostAnswer": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": {
            "oneOf": [
                closed_object(
                    {
                        "service_request_id": {"type": "string"},
                        "service_notice": NULLABLE_STRING,
                        "account_id": NULLABLE_STRING,
                    }
                ),
                closed_object(
                    {
                        "token": {"type": "string"},
                        "service_notice": NULLABLE_STRING,
                        "account_id": NULLABLE_STRING,
                    }
                ),
            ]
        },
    },
    "TokenAnswer": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": closed_object(
            {
                "service_request_id": {
                    "type": ["string", "null"],
                    "description": "null until the reporter has confirmed the request.",
                },
                "token": {"type": "string"},
            }
        ),
    },
    "RequestUpdates": {
        "type": "array",
        "items": closed_object(
            {
                "update_id": {"type": "string"},
                "service_request_id": {"type": "string"},
                "status": {"type": "string"},
                "updated_datetime": DATETIME,
                "description": {"type": "string"},
                "media_url": NULLABLE_STRING,
            }
        ),
    },
}


# Any text without NUL, which the server refuses (PostgreSQL can store no NUL).
TEXT = {"type": "string", "pattern": "^[^\u0000]*$"}
# An empty parameter counts as absent (the spec), so each typed one may also be empty. Values
# are read with the spaces around them dropped, so spaces alone are empty too.
EMPTY = {"type": "string", "pattern": "^\\s*$"}
DATE_PARAMETER = {"anyOf": [{"type": "string", "format": "date-time"}, EMPTY]}


def or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, EMPTY]}


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


JURISDICTION = query(
    "jurisdiction_id",
    TEXT,
    "A body's slug (kongsvinger): only its services and requests. Unknown: 404.",
)
PAGE = query(
    "page",
    or_empty({"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    "Page number, from 1.",
)
PAGE_SIZE = query(
    "page_size",
    or_empty({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
    f"Records per page, 1 to {MAX_PAGE_SIZE} (the default).",
)
EXTENSIONS = query(
    "extensions",
    {"type": "string", "pattern": "^\\s*(true|false)?\\s*$"},
    "true adds extended_attributes and notes to each request.",
)
DATE_NOTE = (
    "ISO 8601; Z or an offset, or none for Europe/Oslo time; a date alone means its midnight."
)
REQUEST_FILTERS = [
    JURISDICTION,
    query("service_request_id", TEXT, "Comma-separated ids; overrides the rest."),
    query("service_code", TEXT, "Comma-separated service codes."),
    query(
        "status",
        {"type": "string", "pattern": "^((open|closed)(,(open|closed))*)?$"},
        "open, closed, or open,closed.",
    ),
    query("start_date", DATE_PARAMETER, "requested_datetime from. " + DATE_NOTE),
    query("end_date", DATE_PARAMETER, "requested_datetime to; at most 90 days after start."),
    query("updated_after", DATE_PARAMETER, "updated_datetime from. " + DATE_NOTE),
    query("updated_before", DATE_PARAMETER, "updated_datetime to."),
    query("lat", or_empty({"type": "number", "minimum": -90, "maximum": 90}), "With long, radius."),
    query(
        "long", or_empty({"type": "number", "minimum": -180, "maximum": 180}), "With lat, radius."
    ),
    query(
        "radius",
        or_empty({"type": "number", "minimum": 1, "maximum": MAX_RADIUS_M}),
        "Metres around lat, long.",
    ),
    query("bbox", TEXT, "west,south,east,north in degrees."),
    PAGE,
    PAGE_SIZE,
    EXTENSIONS,
]
POST_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string"},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "maxLength": 300},
    "address_id": {"type": "string"},
    "email": {"type": "string", "maxLength": 254},
    "device_id": {"type": "string", "maxLength": 200},
    "account_id": {"type": "string"},
    "first_name": {"type": "string", "maxLength": 100},
    "last_name": {"type": "string", "maxLength": 100},
    "phone": {"type": "string"},
    "description": {"type": "string", "maxLength": 4000},
    "title": {"type": "string", "maxLength": 120, "description": "mySociety extension."},
    "media_url": {"type": "string"},
}


def answers(schema: str, fmt: str, errors: tuple[int, ...]) -> dict[str, Any]:
    def content(name: str) -> dict[str, Any]:
        if fmt == "json":
            return {JSON: {"schema": ref(name)}}
        return {XML: {"schema": {"type": "string"}}}

    described = {
        400: "Bad parameters; every problem is listed.",
        403: "Missing or invalid api_key.",
        404: "Unknown resource, service_code or jurisdiction_id.",
        405: "Method not allowed.",
        429: "Too many requests.",
    }
    responses: dict[str, Any] = {"200": {"description": "OK", "content": content(schema)}}
    for status in errors:
        responses[str(status)] = {"description": described[status], "content": content("Errors")}
    return responses


READ_ERRORS = (400, 404, 405, 429)


def operations(fmt: str) -> dict[str, Any]:
    get_requests = {
        "summary": "GET Service Requests",
        "operationId": f"get_requests_{fmt}",
        "parameters": REQUEST_FILTERS,
        "responses": answers("ServiceRequests", fmt, READ_ERRORS),
    }
    post_requests = {
        "summary": "POST Service Request",
        "operationId": f"post_request_{fmt}",
        "description": (
            "api_key and jurisdiction_id may also be sent in the query string. Attributes: "
            "attribute[CODE]=v, attribute[CODE][]=v1&attribute[CODE][]=v2, or attribute[CODE] "
            "repeated. Multipart bodies may carry up to 5 photos under any part name."
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": POST_FIELDS, "required": ["api_key"]}
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **POST_FIELDS,
                            "photo1": {"type": "string", "format": "binary"},
                        },
                        "required": ["api_key"],
                    }
                },
            },
        },
        "responses": answers("PostAnswer", fmt, (400, 403, 404, 405, 429)),
    }
    return {
        f"{PREFIX}/discovery.{fmt}": {
            "get": {
                "summary": "Service discovery",
                "operationId": f"discovery_{fmt}",
                "responses": answers("Discovery", fmt, (405, 429)),
            }
        },
        f"{PREFIX}/services.{fmt}": {
            "get": {
                "summary": "GET Service List",
                "operationId": f"services_{fmt}",
                "parameters": [JURISDICTION],
                "responses": answers("Services", fmt, (400, 404, 405, 429)),
            }
        },
        f"{PREFIX}/services/{{service_code}}.{fmt}": {
            "get": {
                "summary": "GET Service Definition",
                "operationId": f"service_definition_{fmt}",
                "parameters": [path_parameter("service_code", "A service code."), JURISDICTION],
                "responses": answers("ServiceDefinition", fmt, READ_ERRORS),
            }
        },
        f"{PREFIX}/requests.{fmt}": {"get": get_requests, "post": post_requests},
        f"{PREFIX}/requests/{{service_request_id}}.{fmt}": {
            "get": {
                "summary": "GET Service Request",
                "operationId": f"get_request_{fmt}",
                "parameters": [
                    path_parameter("service_request_id", "The request's id."),
                    JURISDICTION,
                    EXTENSIONS,
                ],
                "responses": answers("ServiceRequests", fmt, READ_ERRORS),
            }
        },
        f"{PREFIX}/tokens/{{token}}.{fmt}": {
            "get": {
                "summary": "GET service_request_id from a token",
                "operationId": f"token_{fmt}",
                "parameters": [path_parameter("token", "The token a POST returned."), JURISDICTION],
                "responses": answers("TokenAnswer", fmt, READ_ERRORS),
            }
        },
        f"{PREFIX}/servicerequestupdates.{fmt}": {
            "get": {
                "summary": "GET service request updates (mySociety)",
                "operationId": f"updates_{fmt}",
                "parameters": [
                    JURISDICTION,
                    query("start_date", DATE_PARAMETER, "From. " + DATE_NOTE),
                    query("end_date", DATE_PARAMETER, "To; at most 90 days after start."),
                    query("api_key", TEXT, "Accepted and not needed."),
                    PAGE,
                    PAGE_SIZE,
                ],
                "responses": answers("RequestUpdates", fmt, READ_ERRORS),
            }
        },
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for fmt in ("json", "xml"):
        paths |= operations(fmt)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Torget Open311 GeoReport v2",
            "version": "2",
            "description": (
                "GeoReport v2 with the common extensions (paging, updated_after/before, "
                "lat/long/radius, bbox, extensions=true) and mySociety's "
                "servicerequestupdates. See docs/open311.md."
            ),
        },
        "servers": [{"url": settings.BASE_URL}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
