"""The admin for contacts (with their history) and deliveries (read-only, with "Send again")."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.delivery.conftest import BODY_ADDRESS
from tests.reports.conftest import report_in_kongsvinger
from torget.delivery import actions as actions_module
from torget.delivery import digest
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.mail.sending import send_due
from torget.reports import actions

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
REJECTED = "550 5.1.1 <postmottak@kongsvinger.example>: Recipient address rejected"
CHANGELIST = reverse("admin:delivery_delivery_changelist")


@pytest.fixture
def kongsvinger_contact(kongsvinger_category):
    return Contact.objects.create(
        category=kongsvinger_category,
        send_method=SendMethod.EMAIL,
        email="postmottak@kongsvinger.example",
    )


@pytest.fixture
def delivery(citizen, kongsvinger_contact):
    """Kari's confirmed report's delivery to Kongsvinger, not yet tried."""
    reporter = actions.Reporter(user=citizen, email=citizen.email)
    report = report_in_kongsvinger(reporter, kongsvinger_contact.category)
    return Delivery.objects.get(report=report)


@pytest.fixture
def failed(delivery):
    assert delivery.claim()
    delivery.mark_failed_attempt(REJECTED, permanent=True)
    return delivery


@pytest.fixture
def viewer(django_user_model):
    """Staff who may look at deliveries but not change them."""
    user = django_user_model.objects.create_user("viewer@example.org", "pw 1234 5678")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    return user


def send_again(client, *deliveries):
    return client.post(
        CHANGELIST,
        {"action": "send_again", "_selected_action": [d.pk for d in deliveries]},
        headers=EN,
        follow=True,
    )


def test_a_failed_delivery_is_listed_with_its_state_and_error(admin_client, failed):
    response = admin_client.get(CHANGELIST, {"state__exact": "failed"}, headers=EN)

    assert list(response.context["cl"].result_list) == [failed]
    assert "Failed" in response.text
    assert "Recipient address rejected" in response.text


def test_a_delivery_can_be_found_by_its_report_number(admin_client, failed):
    found = admin_client.get(CHANGELIST, {"q": str(failed.report_id)}, headers=EN)
    not_found = admin_client.get(CHANGELIST, {"q": str(failed.report_id + 1)}, headers=EN)

    assert list(found.context["cl"].result_list) == [failed]
    assert list(not_found.context["cl"].result_list) == []


def test_the_delivery_list_costs_a_bounded_number_of_queries(
    admin_client, failed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        admin_client.get(CHANGELIST, headers=EN)


def test_a_delivery_cannot_be_added_or_edited_by_hand(admin_client, failed):
    add = admin_client.get(reverse("admin:delivery_delivery_add"))
    change = admin_client.get(reverse("admin:delivery_delivery_change", args=[failed.pk]))

    assert add.status_code == 403
    assert change.status_code == 200
    assert "Recipient address rejected" in change.text
    assert 'name="state"' not in change.text


def test_send_again_sends_a_failed_delivery_once_more(
    admin_client, failed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send_again(admin_client, failed)

    assert "1 delivery will be sent again." in response.text
    failed.refresh_from_db()
    assert failed.attempts == 2
    assert failed.state != DeliveryState.FAILED
    assert [m.to for m in mail.outbox] == [["postmottak@kongsvinger.example"]]


def test_send_again_leaves_a_delivery_that_is_being_sent_alone(
    admin_client, delivery, django_capture_on_commit_callbacks
):
    assert delivery.claim()

    with django_capture_on_commit_callbacks(execute=True):
        response = send_again(admin_client, delivery)

    assert "1 delivery was skipped" in response.text
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENDING
    assert delivery.attempts == 1


def test_staff_who_may_only_view_deliveries_cannot_send_them_again(client, viewer, failed):
    client.force_login(viewer)

    page = client.get(CHANGELIST, headers=EN)
    send_again(client, failed)

    assert page.status_code == 200
    assert "send_again" not in page.text
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED


def test_a_citizen_cannot_open_the_delivery_list(client, citizen):
    client.force_login(citizen)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_contacts_changes_are_kept_in_its_history(admin_client, kongsvinger_contact):
    url = reverse("admin:delivery_contact_change", args=[kongsvinger_contact.pk])
    form = {
        "category": kongsvinger_contact.category_id,
        "send_method": "email",
        "language": "nn",
        "email": "ny-postmottak@kongsvinger.example",
        "status_map": "{}",
        "fetch_updates": "on",
        "accepts_updates": "on",
    }

    saved = admin_client.post(url, form, headers=EN)
    history = admin_client.get(
        reverse("admin:delivery_contact_history", args=[kongsvinger_contact.pk]), headers=EN
    )

    assert saved.status_code == 302
    assert kongsvinger_contact.history.count() == 2
    assert history.status_code == 200
    assert "admin@example.org" in history.text
    earlier = kongsvinger_contact.history.earliest()
    assert earlier.email == "postmottak@kongsvinger.example"


def test_a_contact_that_sends_by_email_needs_an_address(admin_client, kongsvinger_category):
    form = {
        "category": kongsvinger_category.pk,
        "send_method": "email",
        "language": "nb",
        "email": "",
        "status_map": "{}",
    }

    response = admin_client.post(reverse("admin:delivery_contact_add"), form, headers=EN)

    assert response.status_code == 200
    assert "This send method needs this field." in response.text
    assert not Contact.objects.exists()


def test_a_contact_that_sends_by_open311_needs_an_endpoint_and_service_code(
    admin_client, kongsvinger_category
):
    form = {
        "category": kongsvinger_category.pk,
        "send_method": "open311",
        "language": "nb",
        "status_map": "{}",
    }

    response = admin_client.post(reverse("admin:delivery_contact_add"), form, headers=EN)

    assert response.context["adminform"].form.errors.keys() == {"endpoint", "service_code"}


def test_the_contact_list_shows_where_each_category_goes(admin_client, kongsvinger_contact):
    response = admin_client.get(reverse("admin:delivery_contact_changelist"), headers=EN)

    assert "Kongsvinger kommune" in response.text
    assert "postmottak@kongsvinger.example" in response.text


def test_an_old_delivery_claim_does_not_block_send_again(
    admin_client, delivery, django_capture_on_commit_callbacks
):
    """A worker that died mid-send leaves its claim; once that has run out, staff may resend."""
    assert delivery.claim()
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = send_again(admin_client, delivery)

    assert "1 delivery will be sent again." in response.text


def test_a_permanent_smtp_refusal_leaves_the_delivery_failed_in_the_admin_and_the_digest(
    mailers, report_pothole, admin_client, settings
):
    """The body's server answers 550 to its own address: the delivery fails at once, is not
    tried again, is listed as failed in the admin, and is named in the next digest."""
    settings.DIGEST_EMAILS = ["drift@torget.example"]
    settings.LANGUAGE_CODE = "en"
    mailers.refuse(REJECTED)

    delivery = Delivery.objects.get(report=report_pothole())
    queued_again = actions_module.queue_due_deliveries()
    mailers.refuse("")
    listed = admin_client.get(CHANGELIST, {"state__exact": "failed"}, headers=EN)
    named = digest.send_daily_digest()
    send_due()  # the outbox sends the digest

    [message] = mailers.to("drift@torget.example")
    print(
        f"\nstate={delivery.state} attempts={delivery.attempts} queued-again={queued_again} "
        f"in-admin={len(listed.context['cl'].result_list)} in-digest={named} "
        f"received-by-body={len(mailers.to(BODY_ADDRESS))}"
    )
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert "Recipient address rejected" in delivery.last_error
    assert queued_again == 0
    assert list(listed.context["cl"].result_list) == [delivery]
    assert "Recipient address rejected" in listed.text
    assert named == 1
    assert (
        f"Report {delivery.report_id}: Djupt hol i vegen"
        in message.get_body(("plain",)).get_content()
    )
    assert mailers.to(BODY_ADDRESS) == []
