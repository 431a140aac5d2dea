"""POST requests: keys, the confirmation flow, attributes in every shape, photos, tokens."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import KONGSVINGER_CENTRE, make_photos_ready
from tests.open311.conftest import V2, api_get, api_post, jpeg, xml_root
from tests.reports.test_images import huge_rgba_png
from torget.lib import images
from torget.open311.models import Submission
from torget.places.models import Postcode
from torget.reports import actions
from torget.reports.models import Photo, PhotoState, Report, State

LAT, LON = KONGSVINGER_CENTRE


def request_data(category, key, **extra):
    data = {
        "api_key": key.key,
        "service_code": str(category.pk),
        "lat": str(LAT),
        "long": str(LON),
        "email": "per@example.org",
        "first_name": "Per",
        "last_name": "Post",
        "phone": "+47 400 00 000",
        "description": "Lyset ved skolen er mørkt.\nHele gata er mørk om kvelden.",
    }
    data.update(extra)
    return data


def test_an_ordinary_key_gets_a_token_and_the_reporter_an_email(
    client, kongsvinger_category, app_key, django_capture_on_commit_callbacks
):
    """The report waits unconfirmed, unpublished, until the reporter confirms it."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(client, "/requests.json", request_data(kongsvinger_category, app_key))
    assert response.status_code == 200
    (answer,) = response.json()
    assert set(answer) == {"token", "service_notice", "account_id"}
    submission = Submission.objects.get(token=answer["token"])
    report = submission.report
    assert report.state == State.UNCONFIRMED
    assert report.title == "Lyset ved skolen er mørkt."
    assert report.reporter.email == "per@example.org"
    # The name belongs to the report until the address is proven.
    assert (report.reporter_name, report.reporter.name) == ("Per Post", "")
    assert report.address == "Kongsvinger"
    assert [m.to for m in mail.outbox] == [["per@example.org"]]
    assert api_get(client, "/requests.json").json() == []


@pytest.mark.parametrize("end", ["\r", "\u2028", "\u2029"])
def test_a_description_whose_first_line_ends_in_any_line_break_gives_a_one_line_title(
    client, kongsvinger_category, app_key, django_capture_on_commit_callbacks, end
):
    """The first line becomes the title, however the line ends; before, a CR stayed in the
    title and the reporter's confirmation e-mail could not be built."""
    description = f"Lyset ved skolen er mørkt.{end}Hele gata er mørk om kvelden."
    data = request_data(kongsvinger_category, app_key, description=description)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(client, "/requests.json", data)

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.title == "Lyset ved skolen er mørkt."
    assert report.detail == description
    [sent] = mail.outbox
    assert sent.to == ["per@example.org"]
    assert "Lyset ved skolen er mørkt." in sent.message()["Subject"]


def test_single_line_fields_are_one_line(
    client, kongsvinger_category, app_key, django_capture_on_commit_callbacks
):
    data = request_data(
        kongsvinger_category,
        app_key,
        title="Mørkt\u2029lys",
        first_name="Per\r\n",
        last_name="\u202ePost",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(client, "/requests.json", data)

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.title, report.reporter_name) == ("Mørkt lys", "Per Post")
    assert len(mail.outbox) == 1


def test_the_token_gives_the_id_once_the_reporter_confirms(client, kongsvinger_category, app_key):
    token = api_post(client, "/requests.json", request_data(kongsvinger_category, app_key)).json()[
        0
    ]["token"]
    pending = api_get(client, f"/tokens/{token}.json").json()
    assert pending == [{"service_request_id": None, "token": token}]
    report = Submission.objects.get(token=token).report
    actions.confirm_report(report=report)
    assert api_get(client, f"/tokens/{token}.json").json() == [
        {"service_request_id": str(report.pk), "token": token}
    ]
    root = xml_root(api_get(client, f"/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == str(report.pk)
    assert root.findtext("request/token") == token


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_token_is_a_404(client, db, fmt):
    assert api_get(client, f"/tokens/nope.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_trusted_key_publishes_at_once(
    client, kongsvinger_category, trusted_key, fmt, django_capture_on_commit_callbacks
):
    """The answer is the id, and the request is in GET requests straight away."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(
            client, f"/requests.{fmt}", request_data(kongsvinger_category, trusted_key)
        )
    if fmt == "json":
        (answer,) = response.json()
        assert set(answer) == {"service_request_id", "service_notice", "account_id"}
        request_id = answer["service_request_id"]
    else:
        request = xml_root(response).find("request")
        assert request.find("token") is None
        request_id = request.findtext("service_request_id")
    report = Report.objects.get(pk=request_id)
    assert report.state == State.OPEN
    assert mail.outbox == []
    assert report.deliveries.exists()
    listed = [r["service_request_id"] for r in api_get(client, "/requests.json").json()]
    assert listed == [request_id]


def test_key_and_jurisdiction_may_come_in_the_query_string(
    client, kongsvinger_category, trusted_key
):
    data = request_data(kongsvinger_category, trusted_key)
    del data["api_key"]
    response = client.post(
        f"{V2}/requests.json?api_key={trusted_key.key}&jurisdiction_id=kongsvinger", data
    )
    assert response.status_code == 200
    assert "service_request_id" in response.json()[0]


def test_attributes_in_every_shape(client, kongsvinger_category, trusted_key, questions):
    """attribute[C]=v, attribute[C][]=v1&attribute[C][]=v2 and repeated attribute[C]."""
    data = request_data(kongsvinger_category, trusted_key)
    data["attribute[POLE]"] = "steel"
    data["attribute[SIDES][]"] = ["N", "S"]
    data["attribute[since]"] = "2026-11-01T18:00:00"
    data["attribute[What is this?]"] = "ignored"
    response = api_post(client, "/requests.json", data)
    assert response.status_code == 200, response.content
    submission = Submission.objects.get()
    assert submission.report.answers == {
        "POLE": "steel", "SIDES": ["N", "S"], "since": "2026-11-01T18:00:00+01:00",
    }  # fmt: skip
    data["attribute[SIDES]"] = data.pop("attribute[SIDES][]")
    assert api_post(client, "/requests.json", data).status_code == 200
    assert Submission.objects.latest("id").report.answers["SIDES"] == ["N", "S"]


def test_answers_show_in_the_extensions(client, kongsvinger_category, trusted_key, questions):
    data = request_data(kongsvinger_category, trusted_key, **{"attribute[POLE]": "wood"})
    request_id = api_post(client, "/requests.json", data).json()[0]["service_request_id"]
    (record,) = api_get(client, f"/requests/{request_id}.json", extensions="true").json()
    assert record["extended_attributes"]["attributes"] == [{"code": "POLE", "value": "wood"}]


def test_photos_in_a_multipart_post(client, kongsvinger_category, trusted_key):
    data = request_data(
        kongsvinger_category, trusted_key, photo1=jpeg("a.jpg"), photo2=jpeg("b.jpg")
    )
    response = api_post(client, "/requests.json", data)
    request_id = response.json()[0]["service_request_id"]
    assert Report.objects.get(pk=request_id).photos.count() == 2
    (record,) = api_get(client, f"/requests/{request_id}.json").json()
    assert record["media_url"] is None, "not until the worker has made it ready"

    make_photos_ready()

    (record,) = api_get(client, f"/requests/{request_id}.json").json()
    assert record["media_url"].endswith(".jpg")


def test_photos_are_checked_in_the_request_and_made_by_the_worker(
    client, kongsvinger_category, trusted_key, monkeypatch
):
    """The same path as the web's: the request reads the header and stores the upload as
    received; nothing is decoded until the worker's task runs."""
    worst = huge_rgba_png(4999)
    monkeypatch.setattr(images, "make_sizes", lambda data: pytest.fail("decoded in the request"))
    photo = SimpleUploadedFile("big.png", worst, content_type="image/png")

    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, media=photo)
    )

    assert response.status_code == 200, response.content
    saved = Photo.objects.get()
    assert saved.state == PhotoState.PENDING and not saved.image
    assert bytes(saved.upload.data) == worst


def test_huge_photos_are_refused_with_a_400_and_nothing_is_saved(
    client, kongsvinger_category, trusted_key
):
    """The audit's five 7000 x 7000 RGBA PNGs, sent by a client with any key."""
    hostile = huge_rgba_png(7000)
    photos = {
        f"media{number}": SimpleUploadedFile(f"{number}.png", hostile, content_type="image/png")
        for number in range(1, 6)
    }

    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, **photos)
    )

    assert response.status_code == 400
    descriptions = [error["description"] for error in response.json()]
    assert len(descriptions) == 5
    # In bokmål: the request names no language, and that is the site's default.
    assert all("høyst 25 megapiksler for PNG, WebP og HEIC" in text for text in descriptions)
    assert not Report.objects.exists()
    assert not Photo.objects.exists()


def test_a_48_megapixel_phone_jpeg_is_accepted(client, kongsvinger_category, trusted_key):
    """JPEG decodes at reduced size, so the largest phone photos stay welcome."""
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 6000), "orange").save(buffer, format="JPEG")
    upload = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")

    response = api_post(
        client, "/requests.json", request_data(kongsvinger_category, trusted_key, media=upload)
    )

    assert response.status_code == 200, response.content
    make_photos_ready()
    assert Image.open(Photo.objects.get().image).size == (2048, 1536)


def test_the_location_may_be_an_address_string(client, kongsvinger_category, trusted_key):
    """Geocoded (here by the offline geocoder, which knows postcodes and place names)."""
    Postcode.objects.create(code="2212", place="KONGSVINGER", municipality_code="3401")
    data = request_data(kongsvinger_category, trusted_key, address_string="2212 Kongsvinger")
    del data["lat"], data["long"]
    response = api_post(client, "/requests.json", data)
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.address == "2212 Kongsvinger"
    assert report.category == kongsvinger_category


def test_the_description_may_be_missing(client, kongsvinger_category, trusted_key):
    data = request_data(kongsvinger_category, trusted_key)
    del data["description"]
    assert api_post(client, "/requests.json", data).status_code == 200
    assert Report.objects.get().title == "Gatelys"


def test_a_key_scoped_to_a_body_files_only_there(
    client, kongsvinger_category, eidskog_body, trusted_key
):
    trusted_key.body = eidskog_body
    trusted_key.save(update_fields=["body"])
    response = api_post(client, "/requests.json", request_data(kongsvinger_category, trusted_key))
    assert response.status_code == 403
    assert not Report.objects.exists()
