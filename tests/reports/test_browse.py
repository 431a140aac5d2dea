"""The ways to find reports: the front page, /around a place, all reports and a body's reports."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.conftest import KONGSVINGER_CENTRE
from torget.places import lookup
from torget.reports.models import Category, Photo, PhotoState, Report, State, Update
from torget.reports.views.browse import human_duration

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE
EIDSKOG = (60.0, 12.1)
AROUND = f"/around?lat={LAT}&lon={LON}"


@pytest.fixture(autouse=True)
def fresh_area_index(monkeypatch):
    """Each test imports its own areas; no index from another test may answer for them.
    The index is not re-checked during a test, so query counts do not depend on the clock."""
    lookup.forget_area_index()
    monkeypatch.setattr(lookup, "STALE_AFTER", 3600.0)
    yield
    lookup.forget_area_index()


@pytest.fixture
def secretive(django_user_model):
    """A reporter who gave a phone number and keeps their name private."""
    return django_user_model.objects.create_user(
        "hemmelig@example.org", "a secret password", name="Hemmelig Hansen", phone="+4798765432"
    )


def make_report(category, reporter, *, at=KONGSVINGER_CENTRE, age=timedelta(0), **fields):
    created = timezone.now() - age
    values = {"title": "Gatelyset er mørkt", "state": State.OPEN, "created": created}
    values.update(fields)
    if values["state"] != State.UNCONFIRMED:
        values.setdefault("confirmed", created)
    report = Report.objects.create(
        lat=at[0], lon=at[1], category=category, reporter=reporter, **values
    )
    report.bodies.set([category.body_id])
    return report


def add_photo(report, update=None):
    photo = Photo(report=report, update=update, state=PhotoState.READY)
    photo.image.save("photo.jpg", ContentFile(b"not really a jpeg"), save=False)
    photo.thumbnail.save("photo-t.jpg", ContentFile(b"not really a jpeg"), save=False)
    photo.save()
    return photo


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# The front page


def test_the_front_page_is_one_way_in_with_a_search_and_a_location_button(client):
    page = client.get("/", headers={"accept-language": "en"}).text
    assert "<h1" in page and "Report a problem</h1>" in page
    assert '<form class="search" action="/around" method="get"' in page
    assert 'data-locate data-around-url="/around"' in page
    # Without JavaScript the location button cannot work, so it starts hidden.
    assert re.search(r'<div class="locate" data-needs-js hidden>', page)


def test_the_front_page_links_to_all_reports_alerts_and_help(client):
    page = client.get("/").text
    for url in ('href="/reports"', 'href="/alerts"', 'href="/about"'):
        assert url in page


def test_the_front_page_shows_the_live_figures(client, kongsvinger_category, citizen):
    make_report(kongsvinger_category, citizen, age=timedelta(days=2))
    make_report(kongsvinger_category, citizen, age=timedelta(days=20))
    fixed = make_report(kongsvinger_category, citizen, age=timedelta(days=20), state=State.FIXED)
    Report.objects.filter(pk=fixed.pk).update(fixed=timezone.now() - timedelta(days=3))
    Update.objects.create(report=fixed, author=citizen, text="Takk!")
    page = client.get("/", headers={"accept-language": "en"}).text
    figures = re.findall(r'<span class="figure-number">(\d+)</span>\s*([a-z ]+)', page)
    assert figures == [
        ("1", "report in the past week"),
        ("1", "fixed in the past month"),
        ("1", "update in the past week"),
    ]


def test_the_front_page_shows_recent_public_reports_with_photos(
    client, kongsvinger_category, citizen
):
    with_photo = make_report(kongsvinger_category, citizen, title="Knust lykt med bilde")
    add_photo(with_photo)
    make_report(kongsvinger_category, citizen, title="Uten bilde")
    hidden = make_report(kongsvinger_category, citizen, title="Skjult med bilde", hidden=True)
    add_photo(hidden)
    page = client.get("/").text
    assert "Knust lykt med bilde" in page
    assert f'href="/report/{with_photo.pk}"' in page
    assert 'class="report-thumb"' in page
    assert "Uten bilde" not in page
    assert "Skjult med bilde" not in page


def test_the_front_page_is_cached_so_a_second_visit_costs_no_report_queries(
    client, kongsvinger_category, citizen
):
    add_photo(make_report(kongsvinger_category, citizen))
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries if "reports_" in q["sql"] or "places_" in q["sql"]]


@pytest.mark.parametrize("count", [5, 50])
def test_the_front_page_costs_a_bounded_number_of_queries(
    client, kongsvinger_category, citizen, django_assert_max_num_queries, count
):
    for _ in range(count):
        add_photo(make_report(kongsvinger_category, citizen))
    with django_assert_max_num_queries(8):
        client.get("/")


def test_the_about_page_explains_privacy_and_how_to_get_help(client):
    page = client.get("/about", headers={"accept-language": "en"}).text
    assert "Help and contact" in page
    assert "phone number" in page
    assert 'href="/reports.geojson?bbox=' in page


# Around a place


def test_around_lists_public_reports_near_the_point(client, kongsvinger_category, citizen):
    near = make_report(kongsvinger_category, citizen, title="Lykt ved rådhuset")
    make_report(kongsvinger_category, citizen, title="Langt unna", at=EIDSKOG)
    make_report(kongsvinger_category, citizen, title="Ubekreftet", state=State.UNCONFIRMED)
    make_report(kongsvinger_category, citizen, title="Skjult", hidden=True)
    page = client.get(AROUND).text
    assert "Lykt ved rådhuset" in page
    assert f'href="/report/{near.pk}"' in page
    for absent in ("Langt unna", "Ubekreftet", "Skjult"):
        assert absent not in page


def test_around_offers_a_report_link_and_a_search_without_javascript(client, kongsvinger_body):
    page = client.get(AROUND, headers={"accept-language": "en"}).text
    assert 'href="/report/new?lat=60.190500&amp;lon=11.997700"' in page
    assert "Report a problem here" in page
    assert '<form class="search" action="/around"' in page
    # The map needs JavaScript, so it is hidden until the script shows it.
    assert re.search(r'<div class="around-map" data-needs-js hidden>', page)


def test_around_names_the_bodies_that_handle_the_place(client, kongsvinger_body):
    page = client.get(AROUND).text
    assert 'href="/reports/kongsvinger">Kongsvinger kommune</a>' in page


def test_around_gives_the_map_its_tiles_pins_and_credits(client, kongsvinger_body, settings):
    settings.MAP_TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get(AROUND).text
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert 'data-geojson-url="/reports.geojson"' in page
    assert 'data-new-url="/report/new"' in page
    assert 'data-lat="60.190500" data-lon="11.997700"' in page
    credits = re.search(r'data-attribution="([^"]*)"', page).group(1)
    assert "© &lt;a" in credits and "Kartverket" in credits and "OpenStreetMap" in credits
    assert "leaflet/leaflet.js" in page and "leaflet.markercluster.js" in page
    assert "torget/map.js" in page


def test_around_filters_by_state_group(client, kongsvinger_category, citizen):
    make_report(kongsvinger_category, citizen, title="Fortsatt mørkt")
    make_report(kongsvinger_category, citizen, title="Lyser igjen", state=State.FIXED)
    make_report(kongsvinger_category, citizen, title="Ikke vårt", state=State.NOT_RESPONSIBLE)
    fixed = client.get(AROUND + "&state_group=fixed").text
    assert "Lyser igjen" in fixed and "Fortsatt mørkt" not in fixed and "Ikke vårt" not in fixed
    closed = client.get(AROUND + "&state_group=closed").text
    assert "Ikke vårt" in closed and "Lyser igjen" not in closed
    everything = client.get(AROUND + "&state_group=all").text
    assert all(t in everything for t in ("Fortsatt mørkt", "Lyser igjen", "Ikke vårt"))


def test_around_filters_by_category_and_tells_the_map(client, kongsvinger_category, citizen):
    other = Category.objects.create(
        body=kongsvinger_category.body, slug="graffiti", name_nb="Tagging", name_nn="Tagging"
    )
    make_report(kongsvinger_category, citizen, title="Mørk lykt")
    make_report(other, citizen, title="Tagging på skolen")
    page = client.get(AROUND + f"&category={other.pk}&state_group=open").text
    assert "Tagging på skolen" in page and "Mørk lykt" not in page
    assert f'data-geojson-url="/reports.geojson?state_group=open&amp;category={other.pk}"' in page


def test_around_pages_its_list_twenty_at_a_time(client, kongsvinger_category, citizen):
    for n in range(25):
        make_report(kongsvinger_category, citizen, title=f"Rapport nummer {n:02d}")
    first = client.get(AROUND).text
    second = client.get(AROUND + "&page=2").text
    assert first.count('class="report-item"') == 20
    assert second.count('class="report-item"') == 5
    assert "Rapport nummer 24" in first and "Rapport nummer 04" in second
    assert f'href="?lat={LAT}&amp;lon={LON}&amp;page=2"' in first


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_around_refuses_a_page_that_is_not_a_whole_number(client, kongsvinger_body, page):
    response = client.get(AROUND + f"&page={page}")
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_around_answers_404_for_a_page_past_the_end(client, kongsvinger_body):
    assert client.get(AROUND + "&page=2").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lat=abc&lon=11.99", "decimal degrees"),
        ("lat=60.19", "decimal degrees"),
        ("lon=11.99", "decimal degrees"),
        ("lat=91&lon=11.99", "between -90 and 90"),
        ("lat=60.19&lon=-181", "between -180 and 180"),
        ("lat=nan&lon=11.99", "between -90 and 90"),
        ("lat=60.19&lon=inf", "between -180 and 180"),
    ],
)
def test_around_refuses_coordinates_it_cannot_use(client, query, message):
    response = client.get(f"/around?{query}", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text


@pytest.mark.parametrize("query", ["state_group=broken", "category=abc", "category=999999"])
def test_around_refuses_filters_it_does_not_know(client, kongsvinger_body, query):
    response = client.get(AROUND + "&" + query, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "valid choice" in response.text


def test_around_refuses_a_category_of_a_body_that_does_not_handle_the_place(
    client, kongsvinger_body, eidskog_category
):
    response = client.get(AROUND + f"&category={eidskog_category.pk}")
    assert response.status_code == 400


def test_around_without_a_place_shows_the_search(client):
    response = client.get("/around")
    assert response.status_code == 200
    assert '<form class="search" action="/around"' in response.text


def test_searching_for_one_place_shows_the_reports_there(client, kongsvinger_category, citizen):
    make_report(kongsvinger_category, citizen, title="Lykt i byen", at=(60.1837, 12.2173))
    page = client.get("/around?q=Kongsvinger", headers={"accept-language": "en"}).text
    assert "Reports near Kongsvinger" in page
    assert "Lykt i byen" in page
    assert 'value="Kongsvinger"' in page


def test_searching_for_several_places_lists_them(client, kommuner):
    page = client.get("/around?q=Kongs").text
    assert "Kongsberg" in page and "Kongsvinger" in page
    assert re.search(r'href="/around\?lat=60\.\d{6}&amp;lon=12\.\d{6}">Kongsvinger', page)


def test_searching_for_nothing_known_says_so(client, kommuner):
    response = client.get("/around?q=Zzyzx", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "No place was found for «Zzyzx»" in response.text


@pytest.mark.parametrize("q", ["", "   ", "x" * 201])
def test_searching_for_empty_or_too_long_text_is_refused(client, q):
    response = client.get("/around", {"q": q})
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_searching_tells_the_user_when_the_address_service_is_down(client, kommuner, settings):
    settings.GEOCODER = "kartverket"
    settings.KARTVERKET_ADDRESS_URL = "http://127.0.0.1:9/adresser/v1"
    settings.GEOCODER_TIMEOUT = 1.0
    page = client.get("/around?q=Kongsvinger").text
    assert '<p class="notice" role="status">' in page


def test_search_text_is_escaped(client, kommuner):
    page = client.get("/around", {"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize("count", [5, 50])
def test_around_costs_a_bounded_number_of_queries(
    client, kongsvinger_category, citizen, django_assert_max_num_queries, count
):
    for _ in range(count):
        add_photo(make_report(kongsvinger_category, citizen))
    client.get(AROUND)
    with django_assert_max_num_queries(8):
        client.get(AROUND + "&state_group=open")


def test_around_costs_the_same_queries_for_5_and_50_reports(client, kongsvinger_category, citizen):
    for _ in range(5):
        add_photo(make_report(kongsvinger_category, citizen))
    client.get(AROUND)
    few = count_queries(client, AROUND)
    for _ in range(45):
        add_photo(make_report(kongsvinger_category, citizen))
    assert count_queries(client, AROUND) == few


# All reports, and one body's reports


def test_all_reports_counts_each_bodys_reports_by_state_group(
    client, kongsvinger_category, eidskog_category, citizen
):
    make_report(kongsvinger_category, citizen)
    make_report(kongsvinger_category, citizen)
    make_report(kongsvinger_category, citizen, state=State.FIXED)
    make_report(kongsvinger_category, citizen, state=State.DUPLICATE)
    make_report(kongsvinger_category, citizen, state=State.UNCONFIRMED)
    make_report(kongsvinger_category, citizen, hidden=True)
    make_report(eidskog_category, citizen, at=EIDSKOG, state=State.FIXED)
    page = client.get("/reports").text
    rows = {
        slug: counts
        for slug, *counts in re.findall(
            r'<a href="/reports/([a-z-]+)">[^<]+</a></th>\s*'
            r'<td class="number">(\d+)</td>\s*<td class="number">(\d+)</td>\s*'
            r'<td class="number">(\d+)</td>',
            page,
        )
    }
    assert rows == {"eidskog": ["0", "1", "0"], "kongsvinger": ["2", "1", "1"]}
    # The other 355 kommuner are listed too, as bodies without reports.
    assert "355" in page and 'href="/reports/oslo"' in page


@pytest.mark.parametrize("count", [5, 50])
def test_all_reports_costs_a_bounded_number_of_queries(
    client, kongsvinger_category, citizen, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_report(kongsvinger_category, citizen)
    with django_assert_max_num_queries(4):
        client.get("/reports")


def test_numbers_are_grouped_the_way_the_language_writes_them(
    client, kongsvinger_category, citizen
):
    reports = Report.objects.bulk_create(
        Report(
            lat=LAT,
            lon=LON,
            category=kongsvinger_category,
            reporter=citizen,
            title="Mange",
            state=State.OPEN,
        )
        for _ in range(1001)
    )
    Report.bodies.through.objects.bulk_create(
        Report.bodies.through(report_id=r.pk, body_id=kongsvinger_category.body_id) for r in reports
    )
    english = client.get("/reports", headers={"accept-language": "en"}).text
    assert '<td class="number">1,001</td>' in english
    bokmal = client.get("/reports", headers={"accept-language": "nb"}).text
    assert '<td class="number">1\xa0001</td>' in bokmal


def test_a_body_page_shows_counts_medians_and_a_map(client, kongsvinger_category, citizen):
    now = timezone.now()
    answered = make_report(kongsvinger_category, citizen, state=State.FIXED)
    Report.objects.filter(pk=answered.pk).update(
        confirmed=now - timedelta(days=5),
        answered=now - timedelta(days=3, hours=21),
        fixed=now - timedelta(days=1),
    )
    make_report(kongsvinger_category, citizen, state=State.IN_PROGRESS)
    page = client.get("/reports/kongsvinger", headers={"accept-language": "en"}).text
    assert "<h1>Kongsvinger kommune</h1>" in page
    assert '<span class="figure-number">1</span> open' in page
    assert '<span class="figure-number">1</span> fixed' in page
    assert "1\xa0day, 3\xa0hours" in page
    assert "4\xa0days" in page
    assert '<th scope="row">In progress</th><td class="number">1</td>' in page
    assert 'data-geojson-url="/reports.geojson?body=kongsvinger"' in page
    assert re.search(r'data-bounds="59\.\d+,11\.\d+,60\.\d+,12\.\d+"', page)


def test_a_body_page_lists_only_that_bodys_public_reports(
    client, kongsvinger_category, eidskog_category, citizen
):
    make_report(kongsvinger_category, citizen, title="I Kongsvinger")
    make_report(eidskog_category, citizen, title="I Eidskog", at=EIDSKOG)
    make_report(kongsvinger_category, citizen, title="Ubekreftet", state=State.UNCONFIRMED)
    make_report(kongsvinger_category, citizen, title="Skjult", hidden=True)
    page = client.get("/reports/kongsvinger").text
    assert "I Kongsvinger" in page
    for absent in ("I Eidskog", "Ubekreftet", "Skjult"):
        assert absent not in page


def test_a_body_page_filters_by_state_category_and_time(client, kongsvinger_category, citizen):
    other = Category.objects.create(
        body=kongsvinger_category.body, slug="graffiti", name_nb="Tagging", name_nn="Tagging"
    )
    make_report(kongsvinger_category, citizen, title="Ny lykt", age=timedelta(days=2))
    make_report(kongsvinger_category, citizen, title="Gammel lykt", age=timedelta(days=40))
    make_report(other, citizen, title="Ny tagging", age=timedelta(days=1), state=State.FIXED)
    url = "/reports/kongsvinger"
    week = client.get(url + "?days=7").text
    assert "Ny lykt" in week and "Ny tagging" in week and "Gammel lykt" not in week
    year = client.get(url + "?days=365").text
    assert "Gammel lykt" in year
    tagging = client.get(url + f"?category={other.pk}").text
    assert "Ny tagging" in tagging and "Ny lykt" not in tagging
    open_ = client.get(url + "?state_group=open&days=30").text
    assert "Ny lykt" in open_ and "Ny tagging" not in open_ and "Gammel lykt" not in open_


@pytest.mark.parametrize(
    "query", ["days=5", "days=abc", "state_group=nope", "category=abc", "page=x"]
)
def test_a_body_page_refuses_filters_it_does_not_know(client, kongsvinger_body, query):
    response = client.get(f"/reports/kongsvinger?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_a_body_page_refuses_another_bodys_category(client, kongsvinger_body, eidskog_category):
    response = client.get(f"/reports/kongsvinger?category={eidskog_category.pk}")
    assert response.status_code == 400


def test_an_unknown_body_is_not_found(client, kommuner):
    assert client.get("/reports/atlantis").status_code == 404


def test_a_body_page_pages_its_list(client, kongsvinger_category, citizen):
    for n in range(21):
        make_report(kongsvinger_category, citizen, title=f"Nummer {n:02d}")
    first = client.get("/reports/kongsvinger?state_group=open").text
    assert first.count('class="report-item"') == 20
    assert 'href="?state_group=open&amp;page=2"' in first
    second = client.get("/reports/kongsvinger?state_group=open&page=2").text
    assert second.count('class="report-item"') == 1 and "Nummer 00" in second


@pytest.mark.parametrize("count", [5, 50])
def test_a_body_page_costs_a_bounded_number_of_queries(
    client, kongsvinger_category, citizen, django_assert_max_num_queries, count
):
    for _ in range(count):
        add_photo(make_report(kongsvinger_category, citizen))
    with django_assert_max_num_queries(14):
        client.get("/reports/kongsvinger")
    # The figures are cached: the next visit costs only the list.
    with django_assert_max_num_queries(8):
        client.get("/reports/kongsvinger?state_group=open")


def test_a_body_page_costs_the_same_queries_for_5_and_50_reports(
    client, kongsvinger_category, citizen
):
    for _ in range(5):
        add_photo(make_report(kongsvinger_category, citizen))
    few = count_queries(client, "/reports/kongsvinger")
    for _ in range(45):
        add_photo(make_report(kongsvinger_category, citizen))
    client.get("/")  # a different page, so nothing of the body page is reused but its cache
    assert count_queries(client, "/reports/kongsvinger?state_group=all") <= few


# Privacy


@pytest.mark.parametrize(
    "url",
    [
        "/",
        AROUND,
        "/reports",
        "/reports/kongsvinger",
        "/reports.geojson?bbox=11.9,60.1,12.1,60.3",
    ],
)
def test_no_page_shows_the_reporters_email_phone_or_hidden_name(
    client, kongsvinger_category, secretive, url
):
    report = make_report(kongsvinger_category, secretive, title="Hull i veien")
    add_photo(report)
    Update.objects.create(report=report, author=secretive, text="Fortsatt ikke fikset")
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert url == "/reports" or "Hull i veien" in text
    for secret in ("hemmelig", "98765432", "Hansen"):
        assert secret.lower() not in text.lower()


def test_a_report_title_is_escaped_everywhere(client, kongsvinger_category, citizen):
    add_photo(make_report(kongsvinger_category, citizen, title="<script>alert(1)</script>"))
    for url in ("/", AROUND, "/reports/kongsvinger"):
        text = client.get(url).text
        assert "<script>alert(1)" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# Formatting


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "2\xa0days, 3\xa0hours"), ("nb", "2\xa0dager, 3\xa0timer")],
)
def test_durations_read_naturally_in_the_language(language, expected):
    from django.utils.translation import override

    with override(language):
        assert human_duration(timedelta(days=2, hours=3, minutes=10)) == expected


def test_a_duration_under_a_minute_is_given_in_seconds():
    with translation.override("en"):
        assert human_duration(timedelta(seconds=40)) == "40 seconds"
    with translation.override("nn"):
        assert human_duration(timedelta(seconds=40)) == "40 sekund"
    assert human_duration(None) == ""


def test_a_bodys_list_is_the_same_whichever_way_it_is_fetched(
    kongsvinger_category, eidskog_category, citizen
):
    """reports_of walks all reports for a body with a large share of them, and fetches the
    body's ids first otherwise; both give the body's public reports, newest first."""
    from torget.reports.views.browse import reports_of

    mine = [make_report(eidskog_category, citizen, at=EIDSKOG) for _ in range(3)]
    make_report(eidskog_category, citizen, at=EIDSKOG, hidden=True)
    for _ in range(10):
        make_report(kongsvinger_category, citizen)
    body = eidskog_category.body
    walked = [r.pk for r in reports_of(body, size=3, total=13)]
    fetched = [r.pk for r in reports_of(body, size=3, total=1000)]
    assert walked == fetched == [r.pk for r in reversed(mine)]


def test_a_body_page_counts_its_filtered_list(client, kongsvinger_category, citizen):
    other = Category.objects.create(
        body=kongsvinger_category.body, slug="graffiti", name_nb="Tagging", name_nn="Tagging"
    )
    for _ in range(3):
        make_report(kongsvinger_category, citizen)
    make_report(kongsvinger_category, citizen, state=State.FIXED)
    make_report(other, citizen)
    english = {"accept-language": "en"}
    page = client.get("/reports/kongsvinger", headers=english).text
    assert '<p class="result-count">5 reports</p>' in page
    fixed = client.get("/reports/kongsvinger?state_group=fixed", headers=english).text
    assert '<p class="result-count">1 report</p>' in fixed
    url = f"/reports/kongsvinger?category={other.pk}&state_group=open"
    assert '<p class="result-count">1 report</p>' in client.get(url, headers=english).text
