"""A new report: finding the place, "is it one of these?", the category, the form, and every
way the form can be filled in wrong. A refused report saves nothing: no report, no photo and
no account."""

import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from PIL import Image

from tests.conftest import KONGSVINGER_CENTRE
from tests.reports.test_images import (
    encoded,
    gps_jpeg,
    huge_rgba_png,
    png_declaring,
)
from torget.accounts.models import User
from torget.alerts.models import Subscription
from torget.places.geocoders import GeocoderUnavailable
from torget.reports import actions, limits
from torget.reports.models import Category, Photo, Report, State
from torget.reports.views import submit

pytestmark = pytest.mark.django_db

NEW = reverse("reports:new")
LAT, LON = KONGSVINGER_CENTRE
EIDSKOG = (60.0, 12.1)
OPEN_SEA = (65.0, 2.0)


@pytest.fixture
def client():
    """A browser that asks for English, so the messages read as written here."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def urgent_category(kongsvinger_body):
    return Category.objects.create(
        body=kongsvinger_body,
        slug="kum",
        name_nb="Kumlokk",
        name_nn="Kumlok",
        name_en="Manhole covers",
        urgent_notice_nb="Er lokket borte? Sett ut en advarsel og ring 110.",
        urgent_notice_en="Is the cover missing? Warn others and call 110.",
    )


@pytest.fixture
def nothing_saved(db, citizen):
    """Asserts, after the test's request, that no report, photo or account was made."""
    users_before = User.objects.count()
    yield
    assert Report.objects.count() == 0
    assert Photo.objects.count() == 0
    assert User.objects.count() == users_before


def form_data(chosen: Category, /, **changes) -> dict:
    data = {
        "lat": str(LAT),
        "lon": str(LON),
        "category": str(chosen.pk),
        "title": "Gatelyset er mørkt",
        "detail": "Lyset utenfor Rådhusplassen 1 har vært mørkt i en uke.",
        "name": "Per Hansen",
        "email": "per@example.org",
        "phone": "",
        "website": "",
    }
    data.update(changes)
    return data


def photo(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def post_report(client: Client, data: dict, **extra):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(NEW, data, **extra)


def assert_refused(response, message: str) -> None:
    assert response.status_code == 400
    text = response.content.decode()
    assert 'role="alert"' in text
    assert message in text


# Finding the place


def test_without_a_place_the_page_offers_a_search(client):
    response = client.get(NEW)

    assert response.status_code == 200
    assert b'name="q"' in response.content
    assert b"Address, place name or postcode" in response.content


def test_the_search_lists_places_as_links_to_the_report_form(client, kommuner):
    response = client.get(NEW, {"q": "Kongsvinger"})

    assert response.status_code == 200
    candidate = response.context["candidates"][0]
    assert candidate.label.startswith("Kongsvinger")
    assert f"{NEW}?lat={candidate.lat}&amp;lon={candidate.lon}" in response.content.decode()


def test_the_search_says_so_when_the_address_search_is_down(client, kommuner, settings):
    """Kartverket unreachable: place names still work, and the page explains why."""
    settings.GEOCODER = "kartverket"
    settings.KARTVERKET_ADDRESS_URL = "http://127.0.0.1:9/adresser/v1"
    settings.GEOCODER_TIMEOUT = 0.5

    response = client.get(NEW, {"q": "Kongsvinger"})

    assert response.status_code == 200
    assert b"The address search is not answering right now" in response.content
    assert response.context["candidates"]


@pytest.mark.parametrize(
    ("q", "message"), [("", "Give q, the text to search for"), ("x" * 201, "too long")]
)
def test_an_empty_or_overlong_search_is_refused_with_a_message(client, q, message):
    response = client.get(NEW, {"q": q})

    assert_refused(response, message)


# Choosing the place and the category


def test_the_categories_offered_at_a_kongsvinger_point_are_kongsvingers(
    client, kongsvinger_category, eidskog_category, urgent_category
):
    response = client.get(NEW, {"lat": LAT, "lon": LON})

    assert response.status_code == 200
    assert response.context["categories"] == [urgent_category, kongsvinger_category]
    assert b"Street lights" in response.content
    assert b"Potholes" not in response.content


def test_the_categories_at_an_eidskog_point_are_eidskogs(
    client, kongsvinger_category, eidskog_category
):
    response = client.get(NEW, {"lat": EIDSKOG[0], "lon": EIDSKOG[1]})

    assert response.context["categories"] == [eidskog_category]


def test_category_names_follow_the_language(kongsvinger_category):
    response = Client(HTTP_ACCEPT_LANGUAGE="nn").get(NEW, {"lat": LAT, "lon": LON})

    assert "Gatelys" in response.content.decode()
    assert "Street lights" not in response.content.decode()


def test_a_place_outside_every_body_is_explained_with_a_way_to_move_the_pin(
    client, kongsvinger_category
):
    response = client.get(NEW, {"lat": OPEN_SEA[0], "lon": OPEN_SEA[1]})

    assert response.status_code == 200
    text = response.content.decode()
    assert "No one on Torget is responsible for this place" in text
    assert f"{reverse('reports:around')}?lat=65.0&amp;lon=2.0" in text


def test_a_municipality_without_categories_counts_as_outside(client, kongsvinger_category):
    """Eidskog's body exists but takes no reports yet."""
    response = client.get(NEW, {"lat": EIDSKOG[0], "lon": EIDSKOG[1]})

    assert b"No one on Torget is responsible for this place" in response.content


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("sixty", "11.99", "decimal degrees"),
        ("60.19", "", "decimal degrees"),
        ("nan", "11.99", "lat must be between -90 and 90"),
        ("91", "11.99", "lat must be between -90 and 90"),
        ("60.19", "181", "lon must be between -180 and 180"),
    ],
)
def test_coordinates_that_are_not_numbers_or_out_of_range_are_refused(
    client, kongsvinger_category, lat, lon, message
):
    response = client.get(NEW, {"lat": lat, "lon": lon})

    assert_refused(response, message)


def test_the_duplicate_suggestion_lists_a_nearby_open_report_and_not_a_far_or_closed_one(
    client, citizen, kongsvinger_category, kongsvinger_staff
):
    reporter = actions.Reporter(user=citizen, email=citizen.email)

    def report(title, lat=LAT + 0.001, lon=LON):
        return actions.submit_report(
            reporter=reporter,
            category=kongsvinger_category,
            lat=lat,
            lon=lon,
            title=title,
            detail="",
            show_name=False,
            photos=[],
        )

    nearby = report("Nearby and open")
    report("Far away", lat=LAT + 0.01)
    closed = report("Nearby but closed")
    closed.set_state_by_body(State.CLOSED)
    unconfirmed_reporter = actions.Reporter(user=None, email="nils@example.org")
    actions.submit_report(
        reporter=unconfirmed_reporter,
        category=kongsvinger_category,
        lat=LAT,
        lon=LON,
        title="Nearby but unconfirmed",
        detail="",
        show_name=False,
        photos=[],
    )

    response = client.get(NEW, {"lat": LAT, "lon": LON})

    assert list(response.context["nearby"]) == [nearby]
    text = response.content.decode()
    assert "Is it one of these?" in text
    assert "Street lights" in text
    assert reverse("reports:support", args=[nearby.pk]) in text
    assert "I have this problem too" in text
    assert "No, report a new problem" in text
    assert citizen.email not in text
    assert citizen.name not in text


def test_without_nearby_reports_the_page_goes_straight_to_the_categories(
    client, kongsvinger_category
):
    response = client.get(NEW, {"lat": LAT, "lon": LON})

    assert b"Is it one of these?" not in response.content
    assert b"What kind of problem is it?" in response.content


def test_the_category_page_costs_a_bounded_number_of_queries(
    client, citizen, kongsvinger_category, urgent_category, django_assert_max_num_queries
):
    reporter = actions.Reporter(user=citizen, email=citizen.email)
    for number in range(12):
        actions.submit_report(
            reporter=reporter,
            category=[kongsvinger_category, urgent_category][number % 2],
            lat=LAT + number * 0.0001,
            lon=LON,
            title=f"Problem {number}",
            detail="",
            show_name=False,
            photos=[],
        )

    with django_assert_max_num_queries(6):
        response = client.get(NEW, {"lat": LAT, "lon": LON})

    assert len(response.context["nearby"]) == submit.NEARBY_SHOWN


def test_the_urgent_notice_appears_before_the_form(client, urgent_category):
    response = client.get(NEW, {"lat": LAT, "lon": LON, "category": urgent_category.pk})

    assert response.status_code == 200
    text = response.content.decode()
    assert "Is the cover missing? Warn others and call 110." in text
    assert text.index("call 110") < text.index('name="title"')


def test_the_urgent_notice_is_ready_on_the_category_choice_for_script_to_reveal(
    client, urgent_category
):
    response = client.get(NEW, {"lat": LAT, "lon": LON})

    text = response.content.decode()
    assert f'aria-describedby="notice-{urgent_category.pk}"' in text
    assert "Is the cover missing? Warn others and call 110." in text


@pytest.mark.parametrize("which", ["unknown", "other body", "not a number"])
def test_a_category_not_offered_at_the_place_is_refused_in_the_link(
    client, kongsvinger_category, eidskog_category, which
):
    category = {"unknown": 999_999, "other body": eidskog_category.pk, "not a number": "x"}[which]

    response = client.get(NEW, {"lat": LAT, "lon": LON, "category": category})

    assert_refused(response, "The one asked for is not offered for this place")


def test_a_logged_in_user_is_not_asked_who_they_are(client, citizen, kongsvinger_category):
    client.force_login(citizen)

    response = client.get(NEW, {"lat": LAT, "lon": LON, "category": kongsvinger_category.pk})

    assert b'name="email"' not in response.content
    assert b"You are reporting as" in response.content


# Sending the report


def test_an_anonymous_report_waits_for_its_confirmation(client, kongsvinger_category):
    response = post_report(client, form_data(kongsvinger_category))

    assert response.status_code == 200
    assert b"Check your e-mail" in response.content
    assert b"per@example.org" in response.content
    report = Report.objects.get()
    assert report.state == State.UNCONFIRMED
    assert not Report.objects.public().exists()
    assert report.reporter.email == "per@example.org"
    # The name belongs to the report until the address is proven.
    assert (report.reporter_name, report.reporter.name) == ("Per Hansen", "")
    assert list(report.bodies.values_list("slug", flat=True)) == ["kongsvinger"]
    assert report.address == "Kongsvinger"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["per@example.org"]
    link = settings.BASE_URL + "/report/confirm/"
    assert link in mail.outbox[0].body
    assert not Subscription.objects.exists()


def test_a_logged_in_users_report_is_public_at_once(client, citizen, kongsvinger_category):
    client.force_login(citizen)
    data = form_data(kongsvinger_category)
    for field in ("name", "email", "phone"):
        del data[field]

    response = post_report(client, data)

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert report.reporter == citizen
    assert Report.objects.public().get() == report
    assert Subscription.objects.filter(user=citizen, report=report).exists()
    assert mail.outbox == []


def test_an_existing_accounts_name_is_not_overwritten_by_the_form(
    client, citizen, kongsvinger_category
):
    post_report(client, form_data(kongsvinger_category, email=citizen.email, name="Mallory"))

    citizen.refresh_from_db()
    assert citizen.name == "Kari Nordmann"
    assert Report.objects.get().reporter == citizen


def test_show_name_is_off_unless_ticked(client, kongsvinger_category):
    post_report(client, form_data(kongsvinger_category))

    assert Report.objects.get().show_name is False


def test_photos_are_saved_upright_and_without_any_metadata(client, kongsvinger_category):
    second = encoded(Image.new("RGBA", (30, 20), (0, 90, 0, 128)), "PNG")
    data = form_data(kongsvinger_category, photos=[photo(gps_jpeg()), photo(second, "b.png")])

    response = post_report(client, data)

    assert response.status_code == 200
    report = Report.objects.get()
    photos = list(report.photos.all())
    assert [p.position for p in photos] == [0, 1]
    first = photos[0]
    for field in (first.image, first.medium, first.thumbnail):
        content = field.read()
        assert b"Exif" not in content
        assert not Image.open(io.BytesIO(content)).getexif()
    assert Image.open(photos[0].image).size == (200, 400)


def test_the_report_is_saved_without_an_address_when_the_geocoder_fails(
    client, kongsvinger_category, monkeypatch
):
    class Broken:
        def reverse_with_notice(self, lat, lon):
            raise GeocoderUnavailable("down")

    monkeypatch.setattr(submit, "get_geocoder", Broken)

    post_report(client, form_data(kongsvinger_category))

    assert Report.objects.get().address == ""


def test_script_in_the_text_is_stored_as_written_and_shown_escaped(client, kongsvinger_category):
    script = "<script>alert('x')</script>"
    data = form_data(kongsvinger_category, title=script, detail=script, name=script)

    response = post_report(client, data)

    report = Report.objects.get()
    assert (report.title, report.detail, report.reporter_name) == (script, script, script)
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;alert" in response.content
    assert b"<script>alert" not in mail.outbox[0].alternatives[0][0].encode()


# Bad input: each is refused with a message, and nothing is saved


@pytest.mark.parametrize("field", ["title", "detail", "name", "email"])
def test_an_empty_required_field_is_refused(client, kongsvinger_category, nothing_saved, field):
    response = post_report(client, form_data(kongsvinger_category, **{field: "   "}))

    assert_refused(response, "This field is required.")
    assert response.context["form"].has_error(field, "required")


@pytest.mark.parametrize(
    ("field", "length"), [("title", 121), ("detail", 5001), ("name", 101), ("email", 255)]
)
def test_a_too_long_text_is_refused(client, kongsvinger_category, nothing_saved, field, length):
    value = ("a" * (length - 12) + "@example.org") if field == "email" else "a" * length

    response = post_report(client, form_data(kongsvinger_category, **{field: value}))

    assert response.status_code == 400
    assert response.context["form"].has_error(field)
    assert b"Ensure this value has at most" in response.content


@pytest.mark.parametrize("phone", ["1234", "1" * 21, "call me", "<script>"])
def test_a_phone_number_that_is_not_one_is_refused(
    client, kongsvinger_category, nothing_saved, phone
):
    response = post_report(client, form_data(kongsvinger_category, phone=phone))

    assert_refused(response, "Enter a phone number of 5 to 20 digits")


def test_script_in_every_text_field_is_shown_back_escaped(
    client, kongsvinger_category, nothing_saved
):
    """The e-mail and phone fields refuse it; the others keep it, escaped, for correcting."""
    script = "<script>alert(1)</script>"
    data = form_data(
        kongsvinger_category, title=script, detail=script, name=script, email=script, phone=script
    )

    response = post_report(client, data)

    assert_refused(response, "Enter a valid email address.")
    assert b"<script>alert(1)" not in response.content
    assert response.content.count(b"&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


@pytest.mark.parametrize("field", ["title", "detail", "name"])
def test_control_characters_are_refused(client, kongsvinger_category, nothing_saved, field):
    response = post_report(client, form_data(kongsvinger_category, **{field: "Lys\x1b[31m ut"}))

    assert_refused(response, "Remove the invisible control characters")


@pytest.mark.parametrize(
    "separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1e", "\r\n", "\t"]
)
def test_a_title_with_a_line_or_paragraph_separator_is_one_line_and_its_e_mail_goes_out(
    client, kongsvinger_category, separator
):
    """Before, the title was stored as sent, and its confirmation e-mail could not be built:
    the e-mail package refuses a header that str.splitlines() would break."""
    title = f"Gatelyset er mørkt{separator}ved skolen"

    response = post_report(client, form_data(kongsvinger_category, title=title))

    assert response.status_code == 200
    assert Report.objects.get().title == "Gatelyset er mørkt ved skolen"
    [sent] = mail.outbox
    assert sent.message()["Subject"] == "Confirm your report: Gatelyset er mørkt ved skolen"


def test_bidi_controls_are_taken_out_of_the_title_and_the_name(client, kongsvinger_category):
    """An override makes text display in another order than it is stored."""
    data = form_data(
        kongsvinger_category, title="Lys \u202eetu\u202c her", name="Per \u2066Hansen\u2069"
    )

    post_report(client, data)

    report = Report.objects.get()
    assert report.title == "Lys etu her"
    assert report.reporter_name == "Per Hansen"
    assert len(mail.outbox) == 1


def test_a_title_that_is_only_line_breaks_is_missing(client, kongsvinger_category, nothing_saved):
    response = post_report(client, form_data(kongsvinger_category, title="\u2028\r\n"))

    assert_refused(response, "This field is required.")


def test_line_breaks_in_the_details_are_fine(client, kongsvinger_category):
    post_report(client, form_data(kongsvinger_category, detail="Første linje.\r\nAndre linje."))

    assert Report.objects.get().detail == "Første linje.\r\nAndre linje."


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("sixty", str(LON), "The place is not valid"),
        ("", str(LON), "The place is missing"),
        ("inf", str(LON), "The place is not valid"),
        ("91", str(LON), "The place is off the map"),
        (str(LAT), "-181", "The place is off the map"),
        (str(OPEN_SEA[0]), str(OPEN_SEA[1]), "No municipality or other body on Torget"),
    ],
)
def test_a_place_that_is_not_a_number_off_the_map_or_outside_every_body_is_refused(
    client, kongsvinger_category, nothing_saved, lat, lon, message
):
    response = post_report(client, form_data(kongsvinger_category, lat=lat, lon=lon))

    assert_refused(response, message)


@pytest.mark.parametrize("which", ["unknown", "other body", "not a number", "missing"])
def test_a_category_not_offered_at_the_place_is_refused(
    client, kongsvinger_category, eidskog_category, nothing_saved, which
):
    category = {
        "unknown": "999999",
        "other body": str(eidskog_category.pk),
        "not a number": "gatelys",
        "missing": "",
    }[which]

    response = post_report(client, form_data(kongsvinger_category, category=category))

    assert_refused(response, "Choose one of the categories offered for this place")


def test_an_inactive_category_is_not_offered(client, kongsvinger_category, nothing_saved):
    kongsvinger_category.active = False
    kongsvinger_category.save(update_fields=["active"])

    response = post_report(client, form_data(kongsvinger_category))

    assert_refused(response, "No municipality or other body on Torget")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Dette er ikke et bilde.", "not a photo Torget can use"),
        (png_declaring(20_000, 20_000), "too many pixels"),
        (b"\xff\xd8" + b"\x00" * (12 * 1024 * 1024), "too large: at most 12 MB"),
    ],
    ids=["not an image", "bomb", "too large"],
)
def test_a_photo_that_is_not_usable_is_refused(
    client, kongsvinger_category, nothing_saved, content, message
):
    data = form_data(kongsvinger_category, photos=[photo(gps_jpeg()), photo(content, "x.jpg")])

    response = post_report(client, data)

    assert_refused(response, message)
    assert b"Photo 2 (x.jpg)" in response.content
    assert b"please choose them again" in response.content


def test_the_audits_five_huge_pngs_are_refused_and_nothing_is_saved(
    client, kongsvinger_category, nothing_saved
):
    """Five 7000 x 7000 RGBA PNGs, 1 MB in all, once took 21.8 s and 722 MB of a worker to
    accept. Each is now refused by the size in its header, and the form says so for each."""
    hostile = huge_rgba_png(7000)
    photos = [photo(hostile, f"{number}.png") for number in range(1, 6)]

    response = post_report(client, form_data(kongsvinger_category, photos=photos))

    assert_refused(response, "at most 25 megapixels for PNG, WebP or HEIC (50 for JPEG)")
    for number in range(1, 6):
        assert f"Photo {number} ({number}.png)".encode() in response.content


def test_an_empty_photo_file_is_refused(client, kongsvinger_category, nothing_saved):
    response = post_report(client, form_data(kongsvinger_category, photos=[photo(b"")]))

    assert_refused(response, "The submitted file is empty.")


def test_more_than_five_photos_are_refused(client, kongsvinger_category, nothing_saved):
    photos = [photo(gps_jpeg(), f"{n}.jpg") for n in range(6)]

    response = post_report(client, form_data(kongsvinger_category, photos=photos))

    assert_refused(response, "You can add at most 5 photos; 6 were chosen.")


def test_five_photos_are_fine(client, kongsvinger_category):
    photos = [photo(gps_jpeg(40, 20), f"{n}.jpg") for n in range(5)]

    post_report(client, form_data(kongsvinger_category, photos=photos))

    assert Photo.objects.count() == 5


def test_a_filled_honeypot_is_refused_without_saying_why(
    client, kongsvinger_category, nothing_saved
):
    data = form_data(
        kongsvinger_category, website="http://spam.example", photos=[photo(gps_jpeg())]
    )

    response = post_report(client, data)

    assert_refused(response, "The report could not be sent. Please try again.")
    assert b"http://spam.example" not in response.content
    assert mail.outbox == []


def test_the_honeypot_is_hidden_from_people(client, kongsvinger_category):
    response = client.get(NEW, {"lat": LAT, "lon": LON, "category": kongsvinger_category.pk})

    text = response.content.decode()
    assert '<div class="hp-field" aria-hidden="true">' in text
    assert 'tabindex="-1"' in text
    assert 'autocomplete="off"' in text


def test_a_post_without_the_csrf_token_is_forbidden(kongsvinger_category, nothing_saved):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = browser.post(NEW, form_data(kongsvinger_category))

    assert response.status_code == 403


def test_too_many_posts_from_one_address_are_refused(
    client, kongsvinger_category, nothing_saved, monkeypatch
):
    """Failed attempts count as well: each one may have made the server decode photos."""
    monkeypatch.setattr(submit, "POSTS_PER_IP", 2)
    for _ in range(2):
        assert post_report(client, form_data(kongsvinger_category, title="")).status_code == 400

    response = post_report(client, form_data(kongsvinger_category))

    assert response.status_code == 429
    assert b"Too many reports" in response.content
    assert response["Retry-After"] == "3600"


def test_too_many_reports_for_one_email_address_are_refused(
    client, kongsvinger_category, monkeypatch
):
    monkeypatch.setattr(limits, "REPORTS_PER_ADDRESS", 2)
    for number in range(2):
        address = f"10.0.0.{number}"
        response = post_report(client, form_data(kongsvinger_category), REMOTE_ADDR=address)
        assert response.status_code == 200

    data = form_data(kongsvinger_category, email="PER@example.org")
    response = post_report(client, data, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert b"Too many reports" in response.content
    assert Report.objects.count() == 2


def test_only_get_and_post_are_allowed(client):
    assert client.put(NEW).status_code == 405
