"""The Open311 cast: the report fixtures, API keys (a trusted and an ordinary client), a
category with extra questions, and a checker that holds every answer to the OpenAPI
document."""

import re
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema_rs
import pytest

from tests.reports.conftest import (  # noqa: F401
    eidskog_body,
    eidskog_category,
    fresh_cache,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
    public_report,
    unconfirmed_report,
)
from torget.delivery.open311_client import safe_xml
from torget.open311 import openapi
from torget.open311.models import ApiKey
from torget.reports.models import Question

V2 = "/open311/v2"


@pytest.fixture
def app_key(db):
    """An ordinary client: its reporters confirm by e-mail."""
    return ApiKey.objects.create(name="Nabo-appen", key="app-key-123")


@pytest.fixture
def trusted_key(db):
    """A client Torget trusts: its requests are published at once."""
    return ApiKey.objects.create(name="Avisa", key="trusted-key-456", trusted=True)


@pytest.fixture
def questions(kongsvinger_category):  # noqa: F811 (the fixture imported above)
    """Gatelys asks which kind of pole (required, one of a list), which sides are dark (several
    of a list) and since when (a date)."""
    return [
        Question.objects.create(
            category=kongsvinger_category,
            code="POLE",
            label="Hva slags stolpe?",
            datatype="singlevaluelist",
            required=True,
            order=1,
            values=[{"key": "wood", "name": "Tre"}, {"key": "steel", "name": "Stål"}],
        ),
        Question.objects.create(
            category=kongsvinger_category,
            code="SIDES",
            label="Hvilke sider er mørke?",
            datatype="multivaluelist",
            order=2,
            values=[{"key": "N", "name": "Nord"}, {"key": "S", "name": "Sør"}],
        ),
        Question.objects.create(
            category=kongsvinger_category,
            code="since",
            label="Siden når?",
            datatype="datetime",
            order=3,
        ),
    ]


DOCUMENT = openapi.document()


def template_regex(template: str) -> re.Pattern[str]:
    pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile("^" + re.sub(r"{[a-z_]+}", "[^/]+", pattern) + "$")


def operation_for(path: str, method: str) -> dict[str, Any]:
    """The OpenAPI operation that documents this path and method; fails if there is none."""
    for template, item in DOCUMENT["paths"].items():
        if template_regex(template).match(path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_against_openapi(response, method: str = "GET") -> None:
    """The status is documented for the operation, the content type is the declared one, and
    a JSON body matches the declared schema."""
    operation = operation_for(response.request["PATH_INFO"], method)
    answer = operation["responses"].get(str(response.status_code))
    assert answer is not None, f"status {response.status_code} is not documented"
    (content_type,) = answer["content"]
    assert response["Content-Type"].split(";")[0] == content_type
    if content_type == "application/json":
        schema = {**answer["content"][content_type]["schema"], "components": DOCUMENT["components"]}
        jsonschema_rs.Draft202012Validator(schema).validate(response.json())
    else:
        safe_xml(response.content)


def api_get(client, path: str, method: str = "GET", **params) -> Any:
    response = client.get(V2 + path, params)
    check_against_openapi(response, method)
    return response


def api_post(client, path: str, data: dict | None = None, **kwargs) -> Any:
    response = client.post(V2 + path, data or {}, **kwargs)
    check_against_openapi(response, "POST")
    return response


def xml_root(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return safe_xml(response.content)


def jpeg(name: str = "lys.jpg"):
    """A small, real JPEG upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def jpeg_upload():
    return jpeg
