"""Erase me: the account goes and every link to the person with it; what they made public
stays public, without them; their alerts stop; the address can sign up again as someone new.
"""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tests.privacy.conftest import KARI_EMAIL, KARI_NAME, KARI_PASSWORD, KARI_PHONE, report_by
from tests.privacy.scan import columns_containing
from torget.accounts import actions as account_actions
from torget.accounts.models import SignIn, User
from torget.alerts.models import Subscription
from torget.reports import actions
from torget.reports.models import Photo, Report, Support, Update

pytestmark = pytest.mark.django_db

KARI = (KARI_EMAIL, KARI_NAME, KARI_PHONE)


@pytest.fixture
def lived_in(kari, kongsvinger_staff, kongsvinger_body, admin_user):
    """Kari's traces beyond her own rows: a body's answer (so an e-mail to her in the
    outbox), a sign-in, and an administrator's edit of her account in the admin's log."""
    actions.answer_as_body(
        report=kari.report, staff=kongsvinger_staff, body=kongsvinger_body, text="Vi ser på det."
    )
    account_actions.record_sign_in(kari.user, "password")
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=User.objects.filter(pk=kari.user.pk),
        action_flag=CHANGE,
        change_message="Changed phone.",
        single_object=True,
    )
    return kari


def erase(client: Client) -> object:
    client.post("/accounts/login/", {"username": KARI_EMAIL, "password": KARI_PASSWORD})
    return client.post("/accounts/my-data/erase/", {"understood": "on"})


def traces() -> dict[str, list[str]]:
    return {text: columns_containing(text) for text in KARI if columns_containing(text)}


def test_before_erasure_the_scan_finds_her_everywhere(lived_in):
    """The scan itself: it must see what erasure has to remove."""
    found = traces()
    assert set(found) == set(KARI)
    assert "accounts_user.email" in found[KARI_EMAIL]
    assert "reports_report.reporter_name" in found[KARI_NAME]
    assert "reports_report.reporter_phone" in found[KARI_PHONE]
    assert "mail_email.to" in found[KARI_EMAIL]
    assert "django_admin_log.object_repr" in found[KARI_NAME]


def test_after_erasure_no_column_of_any_table_holds_her_email_name_or_phone(client, lived_in):
    response = erase(client)
    assert response.status_code == 200
    assert traces() == {}


def test_her_public_report_and_update_stay_public_without_her(client, lived_in):
    kari = lived_in
    page = client.get(kari.report.get_absolute_url()).content.decode()
    assert KARI_NAME in page  # she chose to show it
    erase(client)
    report = Report.objects.get(pk=kari.report.pk)
    assert report.is_public and report.reporter is None
    assert (report.reporter_name, report.reporter_phone, report.show_name) == ("", "", False)
    assert Photo.objects.filter(report=report, update=None).count() == 1  # her photo stays
    update = Update.objects.get(pk=kari.update.pk)
    assert update.author is None and not update.show_name and update.photos.count() == 1
    for path in [kari.report.get_absolute_url(), kari.olas_report.get_absolute_url()]:
        page = client.get(path)
        assert page.status_code == 200
        assert not any(text in page.content.decode() for text in KARI)
    assert "Gatelyset er mørkt" in client.get(kari.report.get_absolute_url()).content.decode()


def test_feeds_geojson_and_open311_show_no_trace_of_her(client, lived_in):
    erase(client)
    for path in [
        "/feeds/reports.rss",
        "/feeds/reports.atom",
        "/reports.geojson?bbox=11.5,59.9,12.5,60.5",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{lived_in.report.pk}.json",
        "/reports",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not any(text in body.decode() for text in KARI), path


def test_her_alerts_supports_sign_ins_and_unconfirmed_report_go(client, lived_in):
    kari = lived_in
    erase(client)
    assert not User.objects.filter(pk=kari.user.pk).exists()
    assert Subscription.objects.filter(user_id=kari.user.pk).count() == 0
    assert Support.objects.filter(user_id=kari.user.pk).count() == 0
    assert SignIn.objects.filter(user_id=kari.user.pk).count() == 0
    assert not Report.objects.filter(pk=kari.unconfirmed.pk).exists()
    assert Report.objects.filter(pk=kari.eidskog_report.pk, reporter=None).exists()


def test_olas_data_is_untouched(client, lived_in):
    kari = lived_in
    erase(client)
    assert Report.objects.get(pk=kari.olas_report.pk).reporter == kari.ola
    assert Subscription.objects.filter(user=kari.ola).exists()


def test_the_confirmation_says_the_bodies_copies_are_outside_torget(client, lived_in):
    page = erase(client).content.decode()
    assert "Kontoen din er slettet" in page
    assert "egne kopier i egne systemer, utenfor Torget" in page


def test_she_is_logged_out(client, lived_in):
    erase(client)
    assert client.get("/my").status_code == 302


def test_the_address_can_sign_up_again_as_a_new_person(client, lived_in, kongsvinger_category):
    old_pk = lived_in.user.pk
    erase(client)
    report = report_by(None, kongsvinger_category, title="Ny sak", email=KARI_EMAIL)
    new = report.reporter
    assert new.pk != old_pk and new.email == KARI_EMAIL
    assert (new.name, new.phone, new.email_verified) == ("", "", False)
    assert list(Report.objects.filter(reporter=new)) == [report]


def test_erasing_needs_the_box_ticked_and_erases_nothing_without(client, lived_in):
    client.post("/accounts/login/", {"username": KARI_EMAIL, "password": KARI_PASSWORD})
    response = client.post("/accounts/my-data/erase/", {})
    assert response.status_code == 400
    assert User.objects.filter(pk=lived_in.user.pk).exists()
    assert Report.objects.get(pk=lived_in.report.pk).reporter_id == lived_in.user.pk


def test_erasing_needs_a_post_with_a_csrf_token(lived_in):
    careful = Client(enforce_csrf_checks=True)
    careful.force_login(lived_in.user)
    assert careful.get("/accounts/my-data/erase/").status_code == 405
    assert careful.post("/accounts/my-data/erase/", {"understood": "on"}).status_code == 403
    assert User.objects.filter(pk=lived_in.user.pk).exists()


def test_an_erased_reporter_gets_no_notice_when_the_body_answers(
    client, lived_in, kongsvinger_staff, kongsvinger_body, django_capture_on_commit_callbacks
):
    from torget.mail.models import Email

    erase(client)
    before = Email.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        actions.answer_as_body(
            report=Report.objects.get(pk=lived_in.report.pk),
            staff=kongsvinger_staff,
            body=kongsvinger_body,
            text="Fikset.",
        )
    assert Email.objects.count() == before


def test_only_the_admin_log_of_her_account_goes(client, lived_in, admin_user):
    other = LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=User.objects.filter(pk=lived_in.ola.pk),
        action_flag=CHANGE,
        single_object=True,
    )
    erase(client)
    assert LogEntry.objects.filter(pk=other.pk).exists()
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(lived_in.user.pk)
    ).exists()


def test_an_account_still_needed_by_a_body_is_not_half_erased(client, lived_in, kongsvinger_body):
    """Staff's internal notes keep their author (the staff app registers no erasure): the
    erasure stops whole, with a clear answer, never a server error."""
    from torget.staff.models import InternalEntry

    InternalEntry.objects.create(
        report=lived_in.report, body=kongsvinger_body, author=lived_in.user, kind="note"
    )
    response = erase(client)
    assert response.status_code == 409
    assert User.objects.filter(pk=lived_in.user.pk).exists()
    assert Report.objects.get(pk=lived_in.report.pk).reporter_name == KARI_NAME
    assert Subscription.objects.filter(user=lived_in.user).exists()
