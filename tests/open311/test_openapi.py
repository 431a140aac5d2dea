"""The OpenAPI document, the page for people and docs/open311.md keep up with the routes."""

from pathlib import Path

import pytest
from django.urls import resolve
from schemathesis.openapi import from_dict

from tests.open311.conftest import DOCUMENT
from torget.open311 import urls

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "open311.md").read_text()
# Routes that are not API resources: the page, the document itself and the catch-all 404.
NOT_RESOURCES = {"home", "openapi", "not-found"}


def documented_routes() -> dict[str, set[str]]:
    """Each documented path, resolved to the route that serves it, with its methods."""
    routes: dict[str, set[str]] = {}
    for template, item in DOCUMENT["paths"].items():
        path = template.replace("{service_code}", "1").replace("{service_request_id}", "1")
        match = resolve(path.replace("{token}", "abc"))
        fmt = path.rsplit(".", 1)[1]
        routes.setdefault(f"{match.url_name}.{fmt}", set()).update(m.upper() for m in item)
    return routes


def test_every_route_is_documented_in_both_formats():
    """Adding a route without describing it in openapi.py fails here."""
    names = {p.name for p in urls.urlpatterns if p.name not in NOT_RESOURCES}
    documented = documented_routes()
    assert "not-found" not in {name.rsplit(".", 1)[0] for name in documented}
    expected = {f"{name}.{fmt}" for name in names for fmt in ("json", "xml")}
    assert set(documented) == expected


def test_post_is_documented_only_for_requests():
    methods = documented_routes()
    assert methods["requests.json"] == {"GET", "POST"}
    assert methods["services.json"] == {"GET"}


def test_the_served_document_is_the_built_one_and_loads(client, db):
    response = client.get("/open311/v2/openapi.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["openapi"] == "3.1.0"
    assert len(list(from_dict(response.json()).get_all_operations())) == 16


RESOURCES = [
    "discovery",
    "services",
    "services/{service_code}",
    "requests",
    "requests/{service_request_id}",
    "tokens/{token}",
    "servicerequestupdates",
    "openapi.json",
]


@pytest.mark.parametrize("resource", RESOURCES)
def test_docs_open311_md_describes_every_resource(resource):
    assert f"`{resource}" in DOCS, f"{resource} is missing from docs/open311.md"


def test_the_page_for_people_links_the_endpoints(client, kongsvinger_category):
    response = client.get("/open311/")
    assert response.status_code == 200
    page = response.content.decode()
    for resource in ("discovery.xml", "services.json", "requests.json", "openapi.json"):
        assert f"/open311/v2/{resource}" in page
    assert f"service_code={kongsvinger_category.pk}" in page


def test_the_footer_links_the_api_page(client, db):
    assert 'href="/open311/"' in client.get("/open311/").content.decode()
