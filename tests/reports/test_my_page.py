"""My page, /my: the reports I made, the updates I wrote and the problems I have too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from torget.reports import actions
from torget.reports.models import Report, State, Support, Update

pytestmark = pytest.mark.django_db

MY = reverse("reports:my")


def my_page(client, user, **params):
    client.force_login(user)
    client.cookies.load({"django_language": "en"})
    response = client.get(MY, params)
    assert response.status_code == 200
    return response.content.decode()


def many_reports(reporter, category, count, title="Rapport"):
    start = timezone.now() - datetime.timedelta(days=1)
    return Report.objects.bulk_create(
        Report(
            lat=60.19,
            lon=11.99,
            category=category,
            reporter=reporter,
            title=f"{title} {n:02d}",
            state=State.OPEN,
            created=start + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    )


def test_it_needs_a_login(client):
    response = client.get(MY)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my"


def test_it_lists_my_reports_with_their_state_including_unconfirmed_ones(
    client, citizen, public_report, unconfirmed_report
):
    html = my_page(client, citizen)
    assert "Gatelyset er mørkt" in html
    assert "Søppel i bekken" in html
    assert f'href="{unconfirmed_report.get_absolute_url()}"' in html
    assert "Waiting for you to follow the confirmation link" in html
    assert ">Open<" in html
    assert ">Unconfirmed<" in html


def test_it_does_not_list_other_peoples_reports(client, other_citizen, public_report):
    html = my_page(client, other_citizen)
    assert "Gatelyset er mørkt" not in html
    assert "You have not reported any problems yet." in html


def test_it_lists_my_updates_with_links_to_their_reports(client, other_citizen, public_report):
    update = actions.add_update(
        report=public_report, author=other_citizen, text="Fortsatt mørkt", photos=[]
    )
    html = my_page(client, other_citizen)
    assert f'href="/report/{public_report.pk}#update-{update.pk}"' in html
    assert "Fortsatt mørkt" in html


def test_staff_see_their_answers_with_the_bodys_badge(
    client, public_report, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=public_report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Vi fikser",
        new_state=State.IN_PROGRESS,
    )
    html = my_page(client, kongsvinger_staff)
    assert '<span class="badge">Kongsvinger kommune</span>' in html
    assert "State changed to: In progress" in html


def test_it_lists_the_problems_i_have_too(client, other_citizen, public_report):
    actions.add_support(report=public_report, user=other_citizen)
    html = my_page(client, other_citizen)
    section = html.split('id="supports"')[1]
    assert "Gatelyset er mørkt" in section


def test_updates_and_supports_on_hidden_reports_are_left_out(client, other_citizen, public_report):
    actions.add_update(report=public_report, author=other_citizen, text="Kommentar", photos=[])
    actions.add_support(report=public_report, user=other_citizen)
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    html = my_page(client, other_citizen)
    assert "Gatelyset er mørkt" not in html


def test_titles_and_texts_are_escaped(client, citizen, kongsvinger_category):
    report = many_reports(citizen, kongsvinger_category, 1, title="<script>x()</script>")[0]
    Update.objects.create(report=report, author=citizen, text="<img src=x onerror=y()>")
    html = my_page(client, citizen)
    assert "<script>x()" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


def test_my_reports_are_paginated_newest_first(client, citizen, kongsvinger_category):
    many_reports(citizen, kongsvinger_category, 25)
    first = my_page(client, citizen)
    assert "Rapport 24" in first
    assert "Rapport 05" in first
    assert "Rapport 04" not in first
    second = my_page(client, citizen, reports=2)
    assert "Rapport 04" in second
    assert "Rapport 05" not in second


def test_each_list_pages_on_its_own(client, citizen, kongsvinger_category):
    reports = many_reports(citizen, kongsvinger_category, 25)
    Update.objects.bulk_create(
        Update(report=reports[0], author=citizen, text=f"Oppdatering {n:02d}") for n in range(25)
    )
    html = my_page(client, citizen, reports=2)
    # The updates' next page keeps the reports on page 2.
    assert 'href="?reports=2&amp;updates=2#updates"' in html


@pytest.mark.parametrize("count", [2, 30])
def test_the_page_costs_a_bounded_number_of_queries(
    client,
    citizen,
    other_citizen,
    kongsvinger_category,
    django_assert_max_num_queries,
    count,
):
    reports = many_reports(other_citizen, kongsvinger_category, count)
    many_reports(citizen, kongsvinger_category, count)
    Update.objects.bulk_create(
        Update(report=report, author=citizen, text="Hei") for report in reports
    )
    Support.objects.bulk_create(Support(report=report, user=citizen) for report in reports)
    client.force_login(citizen)
    # Eight, and one for the header: whether to link to the staff inbox.
    with django_assert_max_num_queries(9):
        assert client.get(MY).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_my_page_passes_axe_on_a_phone(
    monkeypatch, live_server, citizen, public_report, unconfirmed_report
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 360, "height": 800}, locale="en")
        page.goto(live_server.url + reverse("accounts:login") + "?next=/my")
        page.get_by_label("E-mail address").fill(citizen.email)
        page.get_by_label("Password").fill("correct horse battery")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/my")
        assert page.get_by_role("heading", name="My reports").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert Axe().run(page).violations_count == 0
        browser.close()
