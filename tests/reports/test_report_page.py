"""The report page, /report/<id>: what it shows, to whom, and at what cost."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from torget.reports import actions
from torget.reports.models import Photo, PhotoState, Report, State, Update

pytestmark = pytest.mark.django_db


def page_of(client, report, **params):
    return client.get(report.get_absolute_url(), params)


def html_of(client, report, **params):
    response = page_of(client, report, **params)
    assert response.status_code == 200
    return response.content.decode()


def add_photo(report, update=None, position=0):
    photo = Photo(report=report, update=update, position=position, state=PhotoState.READY)
    photo.image.save("full.jpg", ContentFile(b"full"), save=False)
    photo.medium.save("medium.jpg", ContentFile(b"medium"), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(b"thumb"), save=False)
    photo.save()
    return photo


# What the page shows


def test_it_shows_the_title_details_category_body_and_state(client, public_report):
    html = html_of(client, public_report)
    assert "Gatelyset er mørkt" in html
    assert "Lyset ved busstoppet har vært mørkt i to uker." in html
    assert "Gatelys" in html
    assert "Kongsvinger kommune" in html
    assert "state-open" in html


def test_the_category_is_named_in_the_visitors_language(client, public_report):
    client.cookies.load({"django_language": "en"})
    assert "Street lights" in html_of(client, public_report)
    client.cookies.load({"django_language": "nn"})
    assert "Street lights" not in html_of(client, public_report)


def test_the_state_label_is_translated(client, public_report):
    client.cookies.load({"django_language": "nb"})
    assert "Åpen" in html_of(client, public_report)
    client.cookies.load({"django_language": "en"})
    assert "Open" in html_of(client, public_report)


def test_dates_are_written_for_the_language(client, public_report):
    when = datetime.datetime(2025, 3, 14, 9, 30, tzinfo=datetime.UTC)
    Report.objects.filter(pk=public_report.pk).update(created=when, confirmed=when)
    client.cookies.load({"django_language": "en"})
    assert "March 14, 2025" in html_of(client, public_report)
    client.cookies.load({"django_language": "nb"})
    assert "14. mars 2025" in html_of(client, public_report)


def test_details_are_escaped_and_keep_their_line_breaks(client, citizen, kongsvinger_category):
    report = actions.submit_report(
        reporter=actions.Reporter(user=citizen, email=citizen.email),
        category=kongsvinger_category,
        lat=60.1905,
        lon=11.9977,
        title="<script>alert('tittel')</script>",
        detail="Første linje\nAndre <b>linje</b>",
        show_name=False,
        photos=[],
    )
    html = html_of(client, report)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;tittel&#x27;)&lt;/script&gt;" in html
    assert "Første linje<br>Andre &lt;b&gt;linje&lt;/b&gt;" in html


def test_the_support_count_is_shown(client, public_report, other_citizen, kongsvinger_staff):
    actions.add_support(report=public_report, user=other_citizen)
    actions.add_support(report=public_report, user=kongsvinger_staff)
    client.cookies.load({"django_language": "en"})
    assert "2 people have this problem too." in html_of(client, public_report)


def test_the_map_has_the_position_and_the_tile_address(client, public_report, settings):
    settings.MAP_TILES = "https://tiles.example/{z}/{x}/{y}.png"
    html = html_of(client, public_report)
    assert 'data-lat="60.190500"' in html
    assert 'data-lon="11.997700"' in html
    assert 'data-tiles="https://tiles.example/{z}/{x}/{y}.png"' in html
    assert "leaflet/leaflet.js" in html
    assert "torget/report-map.js" in html


def test_without_javascript_the_address_and_coordinates_are_text(client, public_report):
    client.cookies.load({"django_language": "en"})
    html = html_of(client, public_report)
    assert "Rådhusplassen 1, Kongsvinger" in html
    assert "Latitude 60.19050, longitude 11.99770" in html


def test_coordinates_use_the_languages_decimal_comma(client, public_report):
    client.cookies.load({"django_language": "nb"})
    html = html_of(client, public_report)
    assert "60,19050" in html
    # The map's data stays machine-readable.
    assert 'data-lat="60.190500"' in html


def test_photos_are_shown_medium_linking_to_the_full_image_with_alt_text(client, public_report):
    photo = add_photo(public_report)
    html = html_of(client, public_report)
    assert f'href="{photo.image.url}"' in html
    assert f'src="{photo.medium.url}"' in html
    assert 'alt="' in html
    assert "Gatelyset er mørkt" in html.split(f'src="{photo.medium.url}"')[1].split(">")[0]


def test_a_duplicate_links_to_its_original(client, public_report, kongsvinger_staff, citizen):
    original = actions.submit_report(
        reporter=actions.Reporter(user=citizen, email=citizen.email),
        category=public_report.category,
        lat=60.1905,
        lon=11.9977,
        title="Det første meldte lyset",
        detail="",
        show_name=False,
        photos=[],
    )
    public_report.set_state_by_body(State.DUPLICATE, duplicate_of=original)
    html = html_of(client, public_report)
    assert f'href="{original.get_absolute_url()}"' in html


# Privacy


@pytest.mark.parametrize("persona", ["anonymous", "other_citizen", "eidskog_staff"])
def test_the_reporters_email_and_phone_never_appear(client, request, public_report, persona):
    reporter = public_report.reporter
    reporter.phone = "+47 912 34 567"
    reporter.save(update_fields=["phone"])
    Report.objects.filter(pk=public_report.pk).update(show_name=True)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    html = html_of(client, public_report)
    assert "kari@example.org" not in html
    assert "912 34 567" not in html
    assert "Kari Nordmann" in html


def test_staff_of_the_body_do_not_see_the_reporters_email_either(
    client, public_report, kongsvinger_staff
):
    client.force_login(kongsvinger_staff)
    assert "kari@example.org" not in html_of(client, public_report)


def test_the_reporters_name_is_hidden_unless_they_chose_to_show_it(client, public_report):
    assert "Kari Nordmann" not in html_of(client, public_report)


def test_the_reporters_name_is_shown_when_they_chose_to(client, public_report):
    Report.objects.filter(pk=public_report.pk).update(show_name=True)
    client.cookies.load({"django_language": "en"})
    assert "by Kari Nordmann" in html_of(client, public_report)


def test_an_update_shows_its_authors_name_only_when_they_chose_to(
    client, public_report, other_citizen
):
    actions.add_update(report=public_report, author=other_citizen, text="Skjult", photos=[])
    assert "Ola Hansen" not in html_of(client, public_report)
    actions.add_update(
        report=public_report, author=other_citizen, text="Synlig", photos=[], show_name=True
    )
    assert "Ola Hansen" in html_of(client, public_report)


# The timeline


def test_a_staff_answer_carries_the_bodys_badge_and_not_the_staff_members_name(
    client, public_report, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=public_report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Vi har bestilt ny lyspære.",
        new_state=State.PLANNED,
    )
    client.cookies.load({"django_language": "en"})
    html = html_of(client, public_report)
    assert '<span class="badge">Kongsvinger kommune</span>' in html
    assert "Vi har bestilt ny lyspære." in html
    assert "Sara Saksbehandler" not in html
    assert "State changed to: <strong>Planned</strong>" in html


def test_the_timeline_runs_oldest_first(client, public_report, other_citizen):
    for text in ("Første oppdatering", "Andre oppdatering", "Tredje oppdatering"):
        actions.add_update(report=public_report, author=other_citizen, text=text, photos=[])
    html = html_of(client, public_report)
    first, second, third = (html.index(f"{n} oppdatering") for n in ("Første", "Andre", "Tredje"))
    assert first < second < third


def test_a_state_change_by_a_citizen_is_on_the_timeline(client, public_report, other_citizen):
    actions.add_update(
        report=public_report, author=other_citizen, text="Lyser igjen", photos=[], mark_fixed=True
    )
    client.cookies.load({"django_language": "en"})
    assert "State changed to: <strong>Fixed</strong>" in html_of(client, public_report)


def test_updates_hidden_by_a_moderator_are_not_shown(client, public_report, other_citizen):
    update = actions.add_update(
        report=public_report, author=other_citizen, text="Stygg kommentar", photos=[]
    )
    Update.objects.filter(pk=update.pk).update(hidden=True)
    assert "Stygg kommentar" not in html_of(client, public_report)


def test_an_updates_photo_is_shown_with_it(client, public_report, other_citizen):
    update = actions.add_update(report=public_report, author=other_citizen, text="Se", photos=[])
    photo = add_photo(public_report, update=update)
    html = html_of(client, public_report)
    entry = html.split(f'id="update-{update.pk}"')[1]
    assert f'src="{photo.medium.url}"' in entry


def test_a_long_timeline_is_paginated_and_page_last_is_the_newest(
    client, public_report, other_citizen
):
    start = timezone.now()
    Update.objects.bulk_create(
        Update(
            report=public_report,
            author=other_citizen,
            text=f"Oppdatering nummer {n:03d}",
            created=start + datetime.timedelta(minutes=n),
        )
        for n in range(60)
    )
    first = html_of(client, public_report)
    assert "nummer 000" in first
    assert "nummer 049" in first
    assert "nummer 050" not in first
    last = html_of(client, public_report, page="last")
    assert "nummer 059" in last
    assert "nummer 049" not in last


# Who may see it


def test_an_unknown_report_is_not_found(client, public_report):
    assert client.get(reverse("reports:detail", args=[public_report.pk + 999])).status_code == 404


def test_an_unconfirmed_report_is_not_found_for_an_anonymous_visitor(client, unconfirmed_report):
    assert page_of(client, unconfirmed_report).status_code == 404


def test_an_unconfirmed_report_is_not_found_for_another_citizen(
    client, unconfirmed_report, other_citizen
):
    client.force_login(other_citizen)
    assert page_of(client, unconfirmed_report).status_code == 404


def test_the_reporter_sees_their_unconfirmed_report_with_a_notice(
    client, unconfirmed_report, citizen
):
    client.force_login(citizen)
    client.cookies.load({"django_language": "en"})
    html = html_of(client, unconfirmed_report)
    assert "waiting for your confirmation" in html
    assert "Søppel i bekken" in html
    # Nothing can be done to it before it is public.
    assert reverse("reports:add_update", args=[unconfirmed_report.pk]) not in html
    assert reverse("reports:support", args=[unconfirmed_report.pk]) not in html


def test_staff_of_the_responsible_body_see_an_unconfirmed_report_but_cannot_answer_it(
    client, unconfirmed_report, kongsvinger_staff
):
    client.force_login(kongsvinger_staff)
    html = html_of(client, unconfirmed_report)
    assert "Søppel i bekken" in html
    assert reverse("reports:answer", args=[unconfirmed_report.pk]) not in html


def test_staff_of_another_body_do_not_find_an_unconfirmed_report(
    client, unconfirmed_report, eidskog_staff
):
    client.force_login(eidskog_staff)
    assert page_of(client, unconfirmed_report).status_code == 404


def test_an_administrator_does_not_find_an_unconfirmed_report_on_the_public_site(
    client, unconfirmed_report, admin_user
):
    """Site administrators use the admin site; the public page follows the public rules."""
    client.force_login(admin_user)
    assert page_of(client, unconfirmed_report).status_code == 404


def test_a_hidden_report_is_not_found_for_an_anonymous_visitor(client, public_report):
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    assert page_of(client, public_report).status_code == 404


def test_a_hidden_report_is_not_found_for_another_citizen(client, public_report, other_citizen):
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    client.force_login(other_citizen)
    assert page_of(client, public_report).status_code == 404


def test_the_reporter_sees_their_hidden_report_with_a_notice(client, public_report, citizen):
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    client.force_login(citizen)
    client.cookies.load({"django_language": "en"})
    assert "A moderator has hidden this report" in html_of(client, public_report)


# Which forms each person is offered


def test_an_anonymous_visitor_is_offered_login_links_instead_of_forms(client, public_report):
    client.cookies.load({"django_language": "en"})
    html = html_of(client, public_report)
    assert f"/accounts/login/?next=/report/{public_report.pk}" in html
    for name in ("add_update", "support", "reopen", "answer", "hide_name", "takedown"):
        assert reverse(f"reports:{name}", args=[public_report.pk]) not in html


def test_a_citizen_is_offered_the_update_and_support_forms_only(
    client, public_report, other_citizen
):
    client.force_login(other_citizen)
    html = html_of(client, public_report)
    assert reverse("reports:add_update", args=[public_report.pk]) in html
    assert reverse("reports:support", args=[public_report.pk]) in html
    for name in ("reopen", "answer", "hide_name", "takedown"):
        assert reverse(f"reports:{name}", args=[public_report.pk]) not in html


def test_the_fixed_checkbox_is_offered_only_for_an_open_report(
    client, public_report, other_citizen
):
    client.force_login(other_citizen)
    assert 'name="update-mark_fixed"' in html_of(client, public_report)
    public_report.mark_fixed()
    assert 'name="update-mark_fixed"' not in html_of(client, public_report)


def test_the_reporter_is_offered_hide_name_and_takedown_but_not_support(
    client, public_report, citizen
):
    client.force_login(citizen)
    hide_url = reverse("reports:hide_name", args=[public_report.pk])
    public_report.show_name = False
    public_report.save(update_fields=["show_name"])
    assert hide_url not in html_of(client, public_report)
    public_report.show_name = True
    public_report.save(update_fields=["show_name"])
    html = html_of(client, public_report)
    assert hide_url in html
    assert reverse("reports:takedown", args=[public_report.pk]) in html
    assert reverse("reports:support", args=[public_report.pk]) not in html
    assert reverse("reports:answer", args=[public_report.pk]) not in html


def test_the_reporter_is_offered_reopen_only_once_fixed_or_closed(client, public_report, citizen):
    client.force_login(citizen)
    reopen_url = reverse("reports:reopen", args=[public_report.pk])
    assert reopen_url not in html_of(client, public_report)
    public_report.mark_fixed()
    assert reopen_url in html_of(client, public_report)


def test_another_citizen_is_not_offered_reopen_of_a_fixed_report(
    client, public_report, other_citizen
):
    public_report.mark_fixed()
    client.force_login(other_citizen)
    assert reverse("reports:reopen", args=[public_report.pk]) not in html_of(client, public_report)


def test_staff_of_the_responsible_body_are_offered_the_answer_form(
    client, public_report, kongsvinger_staff
):
    client.force_login(kongsvinger_staff)
    html = html_of(client, public_report)
    assert reverse("reports:answer", args=[public_report.pk]) in html
    assert 'name="answer-new_state"' in html
    # One body: no choice to make.
    assert 'name="answer-body"' not in html


def test_staff_of_another_body_are_not_offered_the_answer_form(
    client, public_report, eidskog_staff
):
    client.force_login(eidskog_staff)
    html = html_of(client, public_report)
    assert reverse("reports:answer", args=[public_report.pk]) not in html
    assert 'name="answer-new_state"' not in html


def test_an_administrator_is_not_offered_the_answer_form(client, public_report, admin_user):
    """Answering is for staff of the body; a site administrator is not one of them."""
    client.force_login(admin_user)
    assert reverse("reports:answer", args=[public_report.pk]) not in html_of(client, public_report)


def test_staff_of_two_responsible_bodies_choose_which_they_answer_for(
    client, public_report, kongsvinger_staff, eidskog_body
):
    from torget.accounts.models import Membership

    public_report.bodies.add(eidskog_body)
    Membership.objects.create(user=kongsvinger_staff, body=eidskog_body)
    client.force_login(kongsvinger_staff)
    html = html_of(client, public_report)
    assert 'name="answer-body"' in html
    assert "Eidskog kommune" in html.split('name="answer-body"')[1].split("</select>")[0]


# Cost


def make_timeline(report, author, count):
    for n in range(count):
        update = Update.objects.create(report=report, author=author, text=f"Nr. {n}")
        add_photo(report, update=update)


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_a_bounded_number_of_queries_for_anyone(
    client, public_report, other_citizen, django_assert_max_num_queries, count
):
    make_timeline(public_report, other_citizen, count)
    add_photo(public_report)
    # Two of them for the duplicates of the report and whether a moderator edited it.
    with django_assert_max_num_queries(9):
        assert page_of(client, public_report).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_a_bounded_number_of_queries_for_staff(
    client,
    public_report,
    other_citizen,
    kongsvinger_staff,
    kongsvinger_body,
    django_assert_max_num_queries,
    count,
):
    make_timeline(public_report, other_citizen, count)
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body, text="Svar"
    )
    client.force_login(kongsvinger_staff)
    # More than a citizen's page: the categories staff may move the report to, and whether
    # the header links to the staff inbox.
    with django_assert_max_num_queries(15):
        assert page_of(client, public_report).status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_timeline(
    client, public_report, other_citizen, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            page_of(client, public_report)
        return len(captured)

    make_timeline(public_report, other_citizen, 3)
    few = queries_for_page()
    make_timeline(public_report, other_citizen, 27)
    assert queries_for_page() == few


# In a real browser


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test and the loop never
    # touch the database at the same moment, so Django may allow it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def logged_in_page(chromium, live_server, user, password, width):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="en")
    page = context.new_page()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.locator("main form button[type=submit]").click()
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_the_page_passes_axe_and_fits_the_screen_with_every_form_on_it(
    chromium, live_server, settings, public_report, kongsvinger_staff, kongsvinger_body, width
):
    """Staff see the most: the answer form as well as the citizens' forms and the map."""
    from axe_playwright_python.sync_playwright import Axe

    settings.MAP_TILES = "data:,"  # no tiles from the network in tests
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body, text="Svar"
    )
    page = logged_in_page(chromium, live_server, kongsvinger_staff, "staff password 42", width)
    refusals = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto(live_server.url + public_report.get_absolute_url())
    page.wait_for_selector(".leaflet-container")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert "© Kartverket" in page.inner_text(".leaflet-control-attribution")
    assert Axe().run(page).violations_count == 0
    # Sent back with an error, the page still passes.
    page.locator("#add-update button[type=submit]").click()
    assert page.locator("#add-update [role=alert]").is_visible()
    assert Axe().run(page).violations_count == 0
    assert not [text for text in refusals if "Content Security Policy" in text]
