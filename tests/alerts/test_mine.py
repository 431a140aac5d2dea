"""My alerts: the list of a person's subscriptions, and changing or stopping each; nobody
else's."""

import pytest

from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts.models import Subscription, SubscriptionKind

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE


@pytest.fixture
def olas_alerts(follow, other_citizen, kongsvinger_area, kongsvinger_body, public_report):
    return {
        "radius": follow(
            other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=800, label="Torget"
        ),
        "area": follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area),
        "body": follow(other_citizen, SubscriptionKind.BODY, body=kongsvinger_body),
        "report": follow(other_citizen, SubscriptionKind.REPORT, report=public_report),
    }


def test_my_alerts_needs_a_login(client, db):
    response = client.get("/alerts/mine")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_it_lists_my_alerts_and_not_others(
    client, olas_alerts, citizen, django_assert_max_num_queries
):
    client.force_login(olas_alerts["area"].user)
    with django_assert_max_num_queries(8):
        response = client.get("/alerts/mine")

    page = response.content.decode()
    for subscription in olas_alerts.values():
        assert f"/alerts/mine/{subscription.pk}" in page
    karis = Subscription.objects.get(user=citizen)
    assert f"/alerts/mine/{karis.pk}" not in page


def test_i_can_change_the_radius_categories_and_fixed(client, olas_alerts, kongsvinger_category):
    subscription = olas_alerts["radius"]
    client.force_login(subscription.user)
    assert client.get(f"/alerts/mine/{subscription.pk}").status_code == 200

    response = client.post(
        f"/alerts/mine/{subscription.pk}",
        {
            "active": "on",
            "radius": "2500",
            "include_fixed": "on",
            "categories": str(kongsvinger_category.pk),
        },
    )

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.radius == 2500
    assert (subscription.include_new, subscription.include_fixed) == (False, True)
    assert list(subscription.categories.all()) == [kongsvinger_category]


def test_i_can_turn_off_following_a_report(client, olas_alerts):
    subscription = olas_alerts["report"]
    client.force_login(subscription.user)

    client.post(f"/alerts/mine/{subscription.pk}", {})

    subscription.refresh_from_db()
    assert subscription.active is False


def test_the_reporter_can_turn_off_their_automatic_follow(client, public_report, citizen):
    subscription = Subscription.objects.get(user=citizen, report=public_report)
    client.force_login(citizen)

    client.post(f"/alerts/mine/{subscription.pk}", {})

    subscription.refresh_from_db()
    assert subscription.active is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"active": "on", "radius": "10", "include_new": "on"}, "radius"),
        ({"active": "on", "radius": "", "include_new": "on"}, "radius"),
        ({"active": "on", "radius": "900"}, "__all__"),
        (
            {"active": "on", "radius": "900", "include_new": "on", "categories": "999999"},
            "categories",
        ),
    ],
)
def test_bad_changes_get_a_400_and_change_nothing(client, olas_alerts, data, field):
    subscription = olas_alerts["radius"]
    client.force_login(subscription.user)

    response = client.post(f"/alerts/mine/{subscription.pk}", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    subscription.refresh_from_db()
    assert subscription.radius == 800


def test_a_category_of_another_body_is_refused_for_a_body_alert(
    client, olas_alerts, eidskog_category
):
    subscription = olas_alerts["body"]
    client.force_login(subscription.user)

    response = client.post(
        f"/alerts/mine/{subscription.pk}",
        {"active": "on", "include_new": "on", "categories": str(eidskog_category.pk)},
    )

    assert response.status_code == 400


def test_i_cannot_see_or_change_someone_elses_alert(client, olas_alerts, citizen):
    client.force_login(citizen)
    subscription = olas_alerts["area"]

    assert client.get(f"/alerts/mine/{subscription.pk}").status_code == 404
    response = client.post(f"/alerts/mine/{subscription.pk}", {"include_fixed": "on"})

    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.active and not subscription.include_fixed


def test_changing_an_alert_needs_a_login(client, olas_alerts):
    subscription = olas_alerts["area"]
    response = client.post(f"/alerts/mine/{subscription.pk}", {})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.active
