"""A NUL character anywhere in a request (path, query string, form field, file name) is a 400
with a reason, on every page, before any view or database sees it: PostgreSQL refuses NUL in
queries, so each of these was a 500 there."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import KONGSVINGER_CENTRE
from tests.reports.conftest import (  # noqa: F401
    kongsvinger_body,
    kongsvinger_category,
)
from torget.accounts.models import User
from torget.open311.models import ApiKey
from torget.reports.models import Report

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def assert_refused(response, where: str = "address") -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"the {where} contains a NUL character" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/around", {"q": "Rådhus\x00plassen"}),
        ("/alerts", {"q": "\x00"}),
        ("/report/new", {"lat": f"{LAT}\x00", "lon": str(LON)}),
        ("/geocode", {"q": "Kongsvinger\x00"}),
        ("/feeds/reports.rss", {"category": "\x00"}),
        ("/feeds/body/kongsvinger.atom", {"category": "lys\x00"}),
        ("/reports", {"\x00": "a key, not a value"}),
    ],
)
def test_a_nul_in_the_query_string_is_a_400(client, kongsvinger_category, path, query):  # noqa: F811
    assert_refused(client.get(path, query))


def test_a_raw_nul_byte_in_the_query_string_is_a_400(client, kongsvinger_category):  # noqa: F811
    assert_refused(client.get("/around?q=R%C3%A5dhus\x00plassen"))


@pytest.mark.parametrize(
    "path",
    [
        "/report/new%00",
        "/reports/kongsvinger%00",
        "/alerts/confirm/%00",
        "/static/torget/%00.css",
    ],
)
def test_a_nul_in_the_path_is_a_400(client, kongsvinger_body, path):  # noqa: F811
    assert_refused(client.get(path))


def report_form(category, **changes) -> dict:
    data = {
        "lat": str(LAT),
        "lon": str(LON),
        "category": str(category.pk),
        "title": "Gatelyset er mørkt",
        "detail": "Lyset utenfor Rådhusplassen 1 har vært mørkt i en uke.",
        "name": "Per Hansen",
        "email": "per@example.org",
        "phone": "",
        "website": "",
    }
    return data | changes


@pytest.mark.parametrize("field", ["title", "detail", "name", "email", "category"])
def test_a_nul_in_a_posted_form_is_a_400_and_nothing_is_saved(
    client,
    kongsvinger_category,  # noqa: F811
    field,
):
    data = report_form(kongsvinger_category)
    data[field] += "\x00"

    assert_refused(client.post("/report/new", data), "form")
    assert not Report.objects.exists()
    assert not User.objects.exists()


def test_a_nul_in_an_uploaded_file_name_never_reaches_the_page(client, kongsvinger_category):  # noqa: F811
    """Django's parser drops unprintable characters from file names; the photo is refused for
    what it is, and its name is shown without the NUL."""
    upload = SimpleUploadedFile("lys\x00.jpg", b"\xff\xd8\xff", content_type="image/jpeg")

    response = client.post("/report/new", {**report_form(kongsvinger_category), "photos": upload})

    assert response.status_code == 400
    assert "Photo 1 (lys.jpg)" in response.content.decode()
    assert not Report.objects.exists()


def test_a_nul_in_the_login_form_is_a_400(client):
    response = client.post(
        "/accounts/login/", {"username": "kari@example.org\x00", "password": "x"}
    )

    assert_refused(response, "form")


def assert_spec_error(response, fmt: str, where: str = "address") -> None:
    """Open311 clients hear it as the API's own error, in the format they asked for."""
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400
        assert f"the {where} contains a NUL character" in error["description"]
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert f"the {where} contains a NUL character" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "query", "fmt"),
    [
        ("/open311/v2/tokens/%00.json", {}, "json"),
        ("/open311/v2/tokens/abc\x00.xml", {}, "xml"),
        ("/open311/v2/requests.json", {"service_request_id": "1\x00"}, "json"),
        ("/open311/v2/services.xml", {"jurisdiction_id": "kongsvinger\x00"}, "xml"),
    ],
)
def test_a_nul_in_an_open311_get_is_a_spec_400(client, kongsvinger_body, path, query, fmt):  # noqa: F811
    assert_spec_error(client.get(path, query), fmt)


def test_a_nul_in_an_open311_post_is_a_spec_400(client, kongsvinger_category):  # noqa: F811
    key = ApiKey.objects.create(name="Nabo-appen", key="app-key-123")
    data = {
        "api_key": key.key,
        "service_code": str(kongsvinger_category.pk),
        "lat": str(LAT),
        "long": str(LON),
        "email": "per@example.org",
        "description": "Lyset\x00 er mørkt.",
    }

    assert_spec_error(client.post("/open311/v2/requests.json", data), "json", "form")
    assert not Report.objects.exists()


def test_a_body_that_cannot_be_parsed_is_a_400(client):
    response = client.post(
        "/report/new",
        io.BytesIO(b"--x\r\nbroken").read(),
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_the_refusal_is_in_the_visitors_language(kongsvinger_body):  # noqa: F811
    response = Client(HTTP_ACCEPT_LANGUAGE="nb").get("/around", {"q": "\x00"})

    assert response.status_code == 400
    assert "NUL-tegn" in response.content.decode()
