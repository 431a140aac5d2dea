"""Every bad input gets a spec error (errors/error with code and description) and the right
status, never a server error and never a half-saved report."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.open311.conftest import V2, api_get, api_post, jpeg, xml_root
from tests.open311.test_post import request_data
from tests.reports.test_new_report import form_data
from torget.reports import limits
from torget.reports.models import Report


def descriptions(response):
    return [error["description"] for error in response.json()]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-13-01T00:00:00Z"},
        {"end_date": "2026-11-28T25:00:00+01:00"},
        {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"},
        {"start_date": "2020-02-01T00:00:00Z", "end_date": "2020-01-01T00:00:00Z"},
        {"updated_after": "2020-01-01T00:00:00Z", "updated_before": "2021-01-01T00:00:00Z"},
        {"status": "pending"},
        {"service_request_id": "1,abc"},
        {"service_request_id": "99999999999999999999"},
        {"lat": "60.19"},
        {"lat": "91", "long": "11", "radius": "100"},
        {"lat": "60", "long": "11", "radius": "0"},
        {"lat": "nan", "long": "11", "radius": "10"},
        {"lat": "60", "long": "11", "radius": "1e9"},
        {"bbox": "1,2,3"},
        {"bbox": "12,61,11,60"},
        {"bbox": "a,b,c,d"},
        {"page_size": "0"},
        {"page_size": "-5"},
        {"page_size": "1000000"},
        {"page_size": "ten"},
        {"page": "0"},
        {"extensions": "maybe"},
    ],
)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_parameters_of_get_requests_are_400(client, db, params, fmt):
    response = api_get(client, f"/requests.{fmt}", **params)
    assert response.status_code == 400
    if fmt == "xml":
        root = xml_root(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "400"
        assert root.findtext("error/description")


def test_an_unknown_service_code_in_the_filter_is_400(client, kongsvinger_category):
    response = api_get(client, "/requests.json", service_code=f"{kongsvinger_category.pk},777777,x")
    assert response.status_code == 400
    assert len(response.json()) == 2


def test_several_errors_are_returned_together(client, db):
    response = api_get(client, "/requests.json", start_date="soon", status="pending", page_size="0")
    assert response.status_code == 400
    assert len(response.json()) == 3


def test_an_unknown_request_is_a_404(client, db):
    for path in ("/requests/424242.json", "/requests/abc.json", "/requests/424242.xml"):
        assert api_get(client, path).status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_updates_feed_checks_its_dates(client, db, fmt):
    assert api_get(client, f"/servicerequestupdates.{fmt}", start_date="x").status_code == 400


def test_other_methods_are_405_with_an_error_body(client, db):
    response = client.delete(f"{V2}/requests.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()[0]["code"] == 405
    assert client.post(f"{V2}/services.json").status_code == 405


@pytest.mark.parametrize(
    "path", ["/nothing.json", "/requests.csv", "/services/", "/requests.json/"]
)
def test_unknown_resources_get_a_spec_404(client, db, path):
    response = client.get(V2 + path)
    assert response.status_code == 404
    assert response["Content-Type"] in (
        "text/xml; charset=utf-8",
        "application/json; charset=utf-8",
    )


def test_nul_characters_are_refused(client, db):
    response = client.get(f"{V2}/services.json", {"jurisdiction_id": "a\x00b"})
    assert response.status_code == 400


# POST requests


def test_a_missing_key_is_403(client, kongsvinger_category, app_key):
    data = request_data(kongsvinger_category, app_key)
    del data["api_key"]
    response = api_post(client, "/requests.json", data)
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_wrong_or_inactive_key_is_403(client, kongsvinger_category, app_key, fmt):
    data = request_data(kongsvinger_category, app_key, api_key="guess")
    response = api_post(client, f"/requests.{fmt}", data)
    assert response.status_code == 403
    app_key.active = False
    app_key.save(update_fields=["active"])
    assert (
        api_post(
            client, f"/requests.{fmt}", request_data(kongsvinger_category, app_key)
        ).status_code
        == 403
    )
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"service_code": ""}, 400),
        ({"service_code": "777777"}, 404),
        ({"service_code": "gatelys"}, 404),
        ({"jurisdiction_id": "atlantis"}, 404),
        ({"jurisdiction_id": "eidskog"}, 404),
        ({"long": ""}, 400),
        ({"lat": "91"}, 400),
        ({"long": "-181"}, 400),
        ({"lat": "sixty"}, 400),
        ({"lat": "0", "long": "0"}, 400),
        ({"lat": "60.0", "long": "11.9"}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"lat": "", "long": "", "address_id": "123"}, 400),
        ({"lat": "", "long": "", "address_string": "Ingensteds 1, Atlantis"}, 400),
        ({"email": ""}, 400),
        ({"email": "not-an-address"}, 400),
        ({"phone": "call me"}, 400),
        ({"description": "x" * 4001}, 400),
        ({"description": "null\x07byte"}, 400),
        ({"first_name": "x" * 101}, 400),
        ({"title": "x" * 121}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
    ],
)
def test_bad_post_parameters(client, kongsvinger_category, trusted_key, change, status):
    """(60.0, 11.9) is in Eidskog, outside Kongsvinger's area; (0, 0) is outside every body."""
    data = request_data(kongsvinger_category, trusted_key, **change)
    response = api_post(client, "/requests.json", data)
    assert response.status_code == status, response.content
    assert response.json()[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"attribute[POLE]": "plastic"},
        {"attribute[POLE]": ["wood", "steel"]},
        {"attribute[POLE]": "wood", "attribute[SIDES][]": ["N", "W"]},
        {"attribute[POLE]": "wood", "attribute[since]": "last week"},
    ],
)
def test_bad_attributes(client, kongsvinger_category, trusted_key, questions, attributes):
    """A missing required attribute, a value not in the list, two values for one, a bad date."""
    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, **attributes)
    )
    assert response.status_code == 400
    assert "attribute[" in response.json()[0]["description"]
    assert not Report.objects.exists()


def test_every_problem_of_a_post_is_listed(client, kongsvinger_category, trusted_key, questions):
    data = request_data(
        kongsvinger_category, trusted_key, email="", phone="x", description="a" * 5000
    )
    response = api_post(client, "/requests.json", data)
    assert response.status_code == 400
    assert len(response.json()) == 4


def test_too_many_or_broken_photos(client, kongsvinger_category, trusted_key):
    photos = {f"photo{n}": jpeg(f"{n}.jpg") for n in range(1, 7)}
    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, **photos)
    )
    assert response.status_code == 400
    broken = jpeg("x.jpg")
    broken.file.write(b"")
    broken = type(broken)("x.jpg", b"not a picture", content_type="image/jpeg")
    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, photo1=broken)
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_posts_are_limited_per_key(client, kongsvinger_category, trusted_key):
    trusted_key.posts_per_hour = 2
    trusted_key.save(update_fields=["posts_per_hour"])
    statuses = [
        api_post(
            client, "/requests.json", request_data(kongsvinger_category, trusted_key)
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_posts_are_limited_per_address(client, kongsvinger_category, trusted_key, settings):
    settings.OPEN311_POSTS_PER_HOUR = 2
    data = request_data(kongsvinger_category, trusted_key, api_key="wrong")
    statuses = [api_post(client, "/requests.json", data).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]


def test_the_limit_per_address_can_be_turned_off(
    client, kongsvinger_category, trusted_key, settings
):
    settings.OPEN311_POSTS_PER_HOUR = 0
    data = request_data(kongsvinger_category, trusted_key, api_key="wrong")
    statuses = [api_post(client, "/requests.json", data).status_code for _ in range(3)]
    assert statuses == [403, 403, 403]


def test_confirmation_mails_are_limited_per_reporter(
    client, kongsvinger_category, app_key, monkeypatch
):
    monkeypatch.setattr(limits, "REPORTS_PER_ADDRESS", 1)
    data = request_data(kongsvinger_category, app_key)
    statuses = [api_post(client, "/requests.json", data).status_code for _ in range(2)]
    assert statuses == [200, 429]


def test_reports_made_on_the_web_count_against_the_same_address_here(
    client, kongsvinger_category, app_key, monkeypatch
):
    """One limit per address, whichever way the reports arrive: a flood of confirmation
    e-mails to one inbox cannot be spread over the web form and the API."""
    monkeypatch.setattr(limits, "REPORTS_PER_ADDRESS", 2)
    web = form_data(kongsvinger_category, email="PER@example.org")
    assert client.post(reverse("reports:new"), web).status_code == 200
    data = request_data(kongsvinger_category, app_key)
    statuses = [api_post(client, "/requests.json", data).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert client.post(reverse("reports:new"), web).status_code == 429
    assert Report.objects.count() == 2


def test_gets_are_limited_per_address(client, db, settings):
    settings.OPEN311_GETS_PER_MINUTE = 2
    statuses = [api_get(client, "/services.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_posts_need_no_csrf_token(kongsvinger_category, trusted_key):
    """An API client has no session, so no CSRF token: the key is its proof."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{V2}/requests.json", request_data(kongsvinger_category, trusted_key))
    assert response.status_code == 200


def test_a_broken_multipart_body_is_a_spec_400(client, db):
    response = client.generic(
        "POST",
        f"{V2}/requests.json",
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()[0]["code"] == 400
