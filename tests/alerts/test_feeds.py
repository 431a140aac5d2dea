"""The RSS and Atom feeds: every feed parses cleanly, places each item with a GeoRSS point,
lists only public things, and never gives away a reporter's e-mail or phone."""

import datetime
import html
import re

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import KONGSVINGER_CENTRE
from tests.reports.conftest import (
    eidskog_body,
    eidskog_category,
    fresh_cache,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
    public_report,
    unconfirmed_report,
)
from torget.alerts import feeds
from torget.places.models import Area
from torget.reports import actions
from torget.reports.models import Report, State, Update

__all__ = [
    "eidskog_body",
    "eidskog_category",
    "fresh_cache",
    "kongsvinger_body",
    "kongsvinger_category",
    "kongsvinger_staff",
    "public_report",
    "unconfirmed_report",
]

SKOTTERUD = (59.9835, 12.1186)  # in Eidskog, about 25 km south-east of Kongsvinger's centre
PHONE = "+47 912 34 567"
ENGLISH = {"accept-language": "en"}


@pytest.fixture
def citizen(django_user_model):
    """Kari, with a phone number on her account, which no feed may show."""
    return django_user_model.objects.create_user(
        "kari@example.org", "correct horse battery", name="Kari Nordmann", phone=PHONE
    )


def report_at(point, category, reporter, *, title="Hull i veien", show_name=False):
    lat, lon = point
    return actions.submit_report(
        reporter=actions.Reporter(user=reporter, email=reporter.email),
        category=category,
        lat=lat,
        lon=lon,
        title=title,
        detail="Et dypt hull.\nFarlig for syklister.",
        show_name=show_name,
        photos=[],
    )


@pytest.fixture
def named_report(citizen, kongsvinger_category):
    """A second report by Kari, 300 m north of the first, with her name shown."""
    lat, lon = KONGSVINGER_CENTRE
    return report_at(
        (lat + 0.0027, lon), kongsvinger_category, citizen, title="Knust benk", show_name=True
    )


@pytest.fixture
def eidskog_report(citizen, eidskog_category):
    return report_at(SKOTTERUD, eidskog_category, citizen, title="Hull ved skolen")


@pytest.fixture
def fixed_report(public_report, kongsvinger_staff, kongsvinger_body):
    actions.answer_as_body(
        report=public_report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Pæra er byttet.",
        new_state=State.FIXED,
    )
    public_report.refresh_from_db()
    return public_report


@pytest.fixture
def everything(public_report, named_report, eidskog_report, fixed_report, unconfirmed_report):
    """Reports of every kind, and a report with a staff answer and a citizen's update."""
    actions.add_update(
        report=named_report, author=named_report.reporter, text="Fortsatt knust.", photos=[]
    )
    return [public_report, named_report, eidskog_report]


def feed_urls(fmt, report, kongsvinger_category):
    lat, lon = KONGSVINGER_CENTRE
    kongsvinger = Area.objects.get(kind="kommune", name="Kongsvinger")
    return [
        reverse("feeds:reports", args=[fmt]),
        reverse("feeds:fixed", args=[fmt]),
        reverse("feeds:report", args=[report.pk, fmt]),
        reverse("feeds:near", args=[fmt]) + f"?lat={lat}&lon={lon}&radius=1000",
        reverse("feeds:area", args=[kongsvinger.pk, fmt]),
        reverse("feeds:body", args=["kongsvinger", fmt]),
        reverse("feeds:body", args=["kongsvinger", fmt]) + f"?category={kongsvinger_category.slug}",
        reverse("feeds:reports", args=[fmt]) + f"?category={kongsvinger_category.pk}",
    ]


def parse(response):
    assert response.status_code == 200, response.content
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def point_of(entry):
    lon, lat = entry.where["coordinates"]
    return lat, lon


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_every_feed_parses_cleanly_and_places_each_item_at_its_report(
    client, everything, kongsvinger_category, fmt
):
    """feedparser finds no error in any feed, and each item's GeoRSS point is where the report
    is (to the 6 decimals written, about 10 cm)."""
    named_report = everything[1]
    positions = {r.get_absolute_url(): (r.lat, r.lon) for r in Report.objects.all()}
    for url in feed_urls(fmt, named_report, kongsvinger_category):
        parsed = parse(client.get(url))
        expected_version = "rss20" if fmt == "rss" else "atom10"
        assert parsed.version == expected_version, url
        assert parsed.entries, url
        ids = [entry.id for entry in parsed.entries]
        assert len(set(ids)) == len(ids), url
        assert all(guid.startswith("http") for guid in ids), url
        for entry in parsed.entries:
            path = entry.link.removeprefix("http://testserver").split("?")[0].split("#")[0]
            assert point_of(entry) == pytest.approx(positions[path], abs=1e-6), url


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_it_never_shows_a_reporters_email_or_phone(client, everything, kongsvinger_category, fmt):
    """Not even for a reporter who chose to show her name."""
    named_report = everything[1]
    for url in feed_urls(fmt, named_report, kongsvinger_category):
        content = client.get(url).content.decode()
        assert "kari@example.org" not in content, url
        assert PHONE not in content and "91234567" not in content.replace(" ", ""), url
        assert "saksbehandler@kongsvinger.example" not in content, url


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_it_names_a_reporter_only_when_she_chose_to_show_her_name(
    client, public_report, named_report, fmt
):
    parsed = parse(client.get(reverse("feeds:reports", args=[fmt])))
    authors = {entry.title: entry.get("author") for entry in parsed.entries}
    assert authors == {"Knust benk": "Kari Nordmann", "Gatelyset er mørkt": None}


def test_the_new_reports_feed_leaves_out_unconfirmed_and_hidden_reports(
    client, public_report, named_report, unconfirmed_report
):
    named_report.hidden = True
    named_report.save(update_fields=["hidden"])
    parsed = parse(client.get(reverse("feeds:reports", args=["rss"])))
    assert [entry.title for entry in parsed.entries] == ["Gatelyset er mørkt"]


def test_the_new_reports_feed_lists_the_newest_first_and_at_most_fifty(
    client, citizen, kongsvinger_category
):
    start = timezone.now() - datetime.timedelta(days=1)
    lat, lon = KONGSVINGER_CENTRE
    Report.objects.bulk_create(
        Report(
            lat=lat,
            lon=lon,
            category=kongsvinger_category,
            title=f"Rapport {n}",
            reporter=citizen,
            state=State.OPEN,
            created=start + datetime.timedelta(minutes=n),
        )
        for n in range(feeds.ITEMS_PER_FEED + 5)
    )
    parsed = parse(client.get(reverse("feeds:reports", args=["atom"])))
    assert len(parsed.entries) == feeds.ITEMS_PER_FEED
    assert parsed.entries[0].title == f"Rapport {feeds.ITEMS_PER_FEED + 4}"


def test_the_fixed_feed_lists_only_fixed_reports(client, fixed_report, named_report):
    parsed = parse(client.get(reverse("feeds:fixed", args=["rss"])))
    assert [entry.title for entry in parsed.entries] == [fixed_report.title]


def test_a_fixed_report_leaves_the_fixed_feed_when_reopened_or_closed(
    client, fixed_report, named_report, citizen, kongsvinger_staff, kongsvinger_body
):
    actions.add_update(report=named_report, author=citizen, text="", photos=[], mark_fixed=True)
    actions.reopen_report(report=fixed_report, by=citizen, reason="Mørkt igjen.")
    actions.answer_as_body(
        report=named_report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Ikke vårt ansvar.",
        new_state=State.NOT_RESPONSIBLE,
    )
    parsed = parse(client.get(reverse("feeds:fixed", args=["atom"])))
    assert parsed.entries == []


def test_the_near_feed_lists_only_reports_within_the_radius(
    client, public_report, named_report, eidskog_report
):
    lat, lon = KONGSVINGER_CENTRE
    url = reverse("feeds:near", args=["rss"])
    within_200 = parse(client.get(url, {"lat": lat, "lon": lon, "radius": "200"}))
    assert [e.title for e in within_200.entries] == ["Gatelyset er mørkt"]
    within_default = parse(client.get(url, {"lat": lat, "lon": lon}))
    assert {e.title for e in within_default.entries} == {"Gatelyset er mørkt", "Knust benk"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lat": "91", "lon": "11"}, "lat must be between -90 and 90"),
        ({"lat": "60", "lon": "-181"}, "lon must be between -180 and 180"),
        ({"lat": "sixty", "lon": "11"}, "decimal degrees"),
        ({"lat": "nan", "lon": "11"}, "lat must be between"),
        ({"lon": "11"}, "decimal degrees"),
        ({"lat": "60", "lon": "11", "radius": "wide"}, "radius must be a number of metres"),
        ({"lat": "60", "lon": "11", "radius": "1e9"}, "at most 20000"),
        ({"lat": "60", "lon": "11", "radius": "20001"}, "at most 20000"),
        ({"lat": "60", "lon": "11", "radius": "0"}, "more than 0"),
        ({"lat": "60", "lon": "11", "radius": "-5"}, "more than 0"),
        ({"lat": "60", "lon": "11", "radius": "inf"}, "radius must be"),
        ({"lat": "60", "lon": "11", "radius": "nan"}, "radius must be"),
    ],
)
def test_the_near_feed_explains_a_bad_parameter(client, db, params, message):
    response = client.get(reverse("feeds:near", args=["atom"]), params, headers=ENGLISH)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_area_feed_lists_the_reports_inside_the_area(client, public_report, eidskog_report):
    eidskog = Area.objects.get(kind="kommune", name="Eidskog")
    parsed = parse(client.get(reverse("feeds:area", args=[eidskog.pk, "rss"])))
    assert [entry.title for entry in parsed.entries] == ["Hull ved skolen"]
    assert "Eidskog" in parsed.feed.title
    # The feed's page is the reports around the middle of the area.
    lat = (eidskog.min_lat + eidskog.max_lat) / 2
    assert f"/around?lat={lat:.6f}&lon=" in parsed.feed.link


def test_the_area_feed_of_an_unknown_area_is_not_found(client, db):
    assert client.get(reverse("feeds:area", args=[999999, "rss"])).status_code == 404


def test_the_body_feed_lists_the_reports_sent_to_the_body(client, public_report, eidskog_report):
    parsed = parse(client.get(reverse("feeds:body", args=["eidskog", "atom"])))
    assert [entry.title for entry in parsed.entries] == ["Hull ved skolen"]


def test_the_body_feed_of_an_unknown_body_is_not_found(client, db):
    assert client.get(reverse("feeds:body", args=["atlantis", "rss"])).status_code == 404


def test_a_feed_narrowed_to_categories_lists_only_those(
    client, public_report, eidskog_report, kongsvinger_category, eidskog_category
):
    url = reverse("feeds:reports", args=["rss"])
    by_slug = parse(client.get(url, {"category": eidskog_category.slug}))
    assert [e.title for e in by_slug.entries] == ["Hull ved skolen"]
    by_id = parse(client.get(url, {"category": [str(kongsvinger_category.pk)]}))
    assert [e.title for e in by_id.entries] == ["Gatelyset er mørkt"]
    both = parse(client.get(url, {"category": [kongsvinger_category.pk, eidskog_category.slug]}))
    assert len(both.entries) == 2


@pytest.mark.parametrize(
    "category", ["999999", "no-such-thing", "99999999999999999999", "²", "1.5", "-1"]
)
def test_a_feed_with_an_unknown_category_explains_itself(client, public_report, category):
    url = reverse("feeds:reports", args=["rss"])
    response = client.get(url, {"category": category}, headers=ENGLISH)
    assert response.status_code == 400
    assert "There is no category" in response.content.decode()


def test_the_body_feed_only_knows_the_bodys_own_categories(client, public_report, eidskog_category):
    url = reverse("feeds:body", args=["kongsvinger", "rss"])
    response = client.get(url, {"category": eidskog_category.slug})
    assert response.status_code == 400


def test_a_feed_refuses_too_many_categories(client, public_report):
    response = client.get(reverse("feeds:fixed", args=["rss"]), {"category": ["x"] * 21})
    assert response.status_code == 400


def test_the_report_feed_lists_its_public_updates_newest_first(
    client, fixed_report, kongsvinger_staff, citizen
):
    hidden = actions.add_update(report=fixed_report, author=citizen, text="Skjult", photos=[])
    Update.objects.filter(pk=hidden.pk).update(hidden=True)
    url = reverse("feeds:report", args=[fixed_report.pk, "atom"])
    parsed = parse(client.get(url, headers=ENGLISH))
    assert [entry.title for entry in parsed.entries] == [
        "Kongsvinger kommune: state changed to Fixed"
    ]
    assert parsed.entries[0].author == "Kongsvinger kommune"
    assert "Pæra er byttet." in parsed.entries[0].summary
    assert "Sara" not in parsed.entries[0].get("author", "")


def test_a_citizens_update_is_anonymous_unless_she_chose_to_show_her_name(
    client, public_report, citizen
):
    actions.add_update(report=public_report, author=citizen, text="Anonym", photos=[])
    actions.add_update(
        report=public_report, author=citizen, text="Med navn", photos=[], show_name=True
    )
    url = reverse("feeds:report", args=[public_report.pk, "rss"])
    parsed = parse(client.get(url, headers=ENGLISH))
    assert [(e.title, e.get("author")) for e in parsed.entries] == [
        ("Kari Nordmann wrote an update", "Kari Nordmann"),
        ("A citizen wrote an update", None),
    ]


def test_the_report_feed_of_a_hidden_or_unconfirmed_report_is_not_found(
    client, public_report, unconfirmed_report
):
    public_report.hidden = True
    public_report.save(update_fields=["hidden"])
    for report in (public_report, unconfirmed_report):
        response = client.get(reverse("feeds:report", args=[report.pk, "rss"]))
        assert response.status_code == 404


def test_a_feed_speaks_the_visitors_language(client, public_report):
    url = reverse("feeds:reports", args=["rss"])
    english = parse(client.get(url, headers={"accept-language": "en"}))
    assert english.entries[0].tags[0].term == "Street lights"
    assert english.feed.language == "en"
    bokmal = parse(client.get(url, headers={"accept-language": "nb"}))
    assert bokmal.entries[0].tags[0].term == "Gatelys"


def test_a_feed_escapes_the_citizens_words(client, citizen, kongsvinger_category):
    report_at(KONGSVINGER_CENTRE, kongsvinger_category, citizen, title="<script>x</script> & co")
    for fmt in ("rss", "atom"):
        response = client.get(reverse("feeds:reports", args=[fmt]))
        assert b"<script>" not in response.content
        assert parse(response).entries[0].title == "<script>x</script> & co"


def test_a_feed_is_not_posted_to(client, public_report):
    assert client.post(reverse("feeds:reports", args=["rss"])).status_code == 405


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_each_feed_costs_a_few_queries_however_many_items(
    client, everything, kongsvinger_category, citizen, django_assert_max_num_queries, fmt
):
    named_report = everything[1]
    for n in range(30):
        report_at(KONGSVINGER_CENTRE, kongsvinger_category, citizen, title=f"Rapport {n}")
        actions.add_update(report=named_report, author=citizen, text=f"Nytt {n}", photos=[])
    for url in feed_urls(fmt, named_report, kongsvinger_category):
        with django_assert_max_num_queries(4):
            client.get(url)


def test_the_pages_with_a_feed_link_to_it(client, public_report, kongsvinger_body):
    """Each page names its feeds in <head>, and the feed named there works."""
    lat, lon = KONGSVINGER_CENTRE
    pages = {
        reverse("home"): reverse("feeds:reports", args=["rss"]),
        reverse("reports:all"): reverse("feeds:reports", args=["rss"]),
        reverse("reports:body", args=["kongsvinger"]): reverse(
            "feeds:body", args=["kongsvinger", "rss"]
        ),
        public_report.get_absolute_url(): reverse("feeds:report", args=[public_report.pk, "rss"]),
        f"{reverse('reports:around')}?lat={lat}&lon={lon}": reverse("feeds:near", args=["rss"]),
    }
    for page, feed in pages.items():
        content = client.get(page).content.decode()
        for kind in ("rss", "atom"):
            pattern = rf'<link rel="alternate" type="application/{kind}\+xml" [^>]*href="([^"]+)">'
            found = re.search(pattern, content)
            assert found, (page, kind)
            href = html.unescape(found[1])
            assert href.startswith(feed.removesuffix(".rss")), page
            assert parse(client.get(href)).feed.title, href


def test_a_report_page_offers_no_feed_while_the_report_is_unconfirmed(
    client, citizen, unconfirmed_report
):
    client.force_login(citizen)
    content = client.get(unconfirmed_report.get_absolute_url()).content.decode()
    assert "application/rss+xml" not in content
