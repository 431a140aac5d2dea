"""Signing up on /alerts: from an address, a position or a report; at once for a verified
user, by a confirmation e-mail for anyone else."""

import re

import pytest
from django.core import mail

from tests.alerts.conftest import EIDSKOG_POINT
from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts import actions
from torget.alerts.models import Subscription, SubscriptionKind
from torget.places.models import Area, Postcode

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE
OSLO = (59.9139, 10.7522)


@pytest.fixture
def verified(citizen):
    citizen.email_verified = True
    citizen.save(update_fields=["email_verified"])
    return citizen


def point_data(**fields):
    data = {
        "lat": f"{LAT}",
        "lon": f"{LON}",
        "label": "Rådhusplassen 1",
        "target": "radius",
        "radius": "1500",
        "include_new": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# The default radius


def postcodes(code, count, *, first=0):
    Postcode.objects.bulk_create(
        Postcode(code=f"{first + n:04d}", place="X", municipality_code=code) for n in range(count)
    )


def test_the_default_radius_is_small_in_oslo_and_larger_in_a_rural_kommune(kommuner):
    """Postcodes per km² stand in for people per km² (the real counts: Oslo 633, Eidskog 8)."""
    postcodes("0301", 633)
    postcodes("3416", 8, first=9000)

    oslo = actions.default_radius(*OSLO)
    eidskog = actions.default_radius(*EIDSKOG_POINT)

    assert 500 <= oslo <= 1500
    assert eidskog > 5 * oslo
    assert eidskog <= actions.MAX_RADIUS


def test_without_postcodes_or_outside_every_kommune_the_radius_is_the_fallback(kommuner):
    assert actions.default_radius(LAT, LON) == actions.FALLBACK_RADIUS
    assert actions.default_radius(70.0, -20.0) == actions.FALLBACK_RADIUS


def test_the_point_page_offers_the_default_radius(client, kommuner):
    postcodes("0301", 633)
    response = client.get("/alerts", {"lat": OSLO[0], "lon": OSLO[1]})
    radius = actions.default_radius(*OSLO)
    assert f'value="{radius}"' in response.content.decode()


# The starting points


def test_the_alerts_page_starts_with_a_search(client, db):
    response = client.get("/alerts")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


def test_a_position_offers_the_circle_the_areas_and_the_bodies(
    client, kongsvinger_category, kongsvinger_area
):
    response = client.get("/alerts", {"lat": LAT, "lon": LON})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="radius"' in page
    assert f'value="area:{kongsvinger_area.pk}"' in page
    assert f'value="body:{kongsvinger_category.body_id}"' in page
    assert "Street lights" in page or "Gatelys" in page


def test_an_address_is_found_by_the_geocoder(client, kongsvinger_body):
    Postcode.objects.create(code="2212", place="Kongsvinger", municipality_code="3401")
    response = client.get("/alerts", {"q": "2212"})
    assert response.status_code == 200
    assert 'value="radius"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "x", "lon": "11"},
        {"lat": "91", "lon": "11"},
        {"lat": "60"},
        {"lat": "nan", "lon": "11"},
        {"q": ""},
        {"q": "x" * 201},
        {"report": "abc"},
    ],
)
def test_bad_parameters_get_a_clear_400(client, db, params):
    response = client.get("/alerts", params)
    assert response.status_code == 400
    assert b"error-summary" in response.content


def test_an_unknown_or_unconfirmed_report_is_not_found(client, unconfirmed_report):
    assert client.get("/alerts", {"report": unconfirmed_report.pk}).status_code == 404
    assert client.get("/alerts", {"report": 999999}).status_code == 404


# Signing up


def test_a_verified_user_is_subscribed_at_once(client, verified, kongsvinger_area):
    client.force_login(verified)

    response = client.post("/alerts/subscribe", point_data(target=f"area:{kongsvinger_area.pk}"))

    assert response.status_code == 302
    [subscription] = Subscription.objects.filter(user=verified)
    assert subscription.kind == SubscriptionKind.AREA
    assert subscription.area == kongsvinger_area
    assert subscription.confirmed is not None
    assert mail.outbox == []


def test_a_verified_user_can_choose_a_radius_categories_and_fixed(
    client, verified, kongsvinger_category
):
    client.force_login(verified)

    client.post(
        "/alerts/subscribe",
        point_data(radius="750", include_fixed="on", categories=str(kongsvinger_category.pk)),
    )

    [subscription] = Subscription.objects.filter(user=verified)
    assert (subscription.kind, subscription.radius) == (SubscriptionKind.RADIUS, 750)
    assert subscription.include_fixed and subscription.include_new
    assert list(subscription.categories.all()) == [kongsvinger_category]
    assert subscription.label == "Rådhusplassen 1"


def test_signing_up_twice_for_the_same_thing_keeps_one_subscription(
    client, verified, kongsvinger_area
):
    client.force_login(verified)
    target = f"area:{kongsvinger_area.pk}"
    client.post("/alerts/subscribe", point_data(target=target))
    Subscription.objects.filter(user=verified).update(active=False)
    client.post("/alerts/subscribe", point_data(target=target, include_fixed="on"))

    [subscription] = Subscription.objects.filter(user=verified)
    assert subscription.active and subscription.include_fixed


def test_anyone_else_confirms_by_email(
    client, kongsvinger_body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/alerts/subscribe", point_data(email="nina@example.org"))

    assert response.status_code == 200
    [subscription] = Subscription.objects.filter(user__email="nina@example.org")
    assert subscription.confirmed is None
    [message] = mail.outbox
    assert message.to == ["nina@example.org"]
    url = re.search(r"http://\S+/alerts/confirm/\S+", message.body)[0]
    path = url.removeprefix("http://127.0.0.1:8000")

    page = client.get(path)
    assert page.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed is None, "opening the link must not confirm"

    client.post(path)
    subscription.refresh_from_db()
    assert subscription.confirmed is not None
    assert subscription.user.email_verified


def test_alerts_confirmed_in_nynorsk_come_in_nynorsk(
    client, kongsvinger_body, report_at, django_capture_on_commit_callbacks
):
    from torget.alerts.sending import send_due_alerts
    from torget.reports.models import Category

    nynorsk = {"accept-language": "nn"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/alerts/subscribe", point_data(email="nina@example.org"), headers=nynorsk)
    path = re.search(r"http://\S+/alerts/confirm/\S+", mail.outbox[0].body)[0]
    client.post(path.removeprefix("http://127.0.0.1:8000"), headers=nynorsk)
    [subscription] = Subscription.objects.filter(user__email="nina@example.org")
    assert subscription.user.language == "nn"

    potholes = Category.objects.create(
        body=kongsvinger_body, slug="hol", name_nb="Hull i veien", name_nn="Hol i vegen"
    )
    mail.outbox.clear()
    report_at(potholes, LAT, LON)
    assert send_due_alerts() == 1
    [digest] = mail.outbox
    assert "Hol i vegen" in digest.body
    assert "Hull i veien" not in digest.body


def test_a_logged_in_user_with_an_unverified_address_confirms_by_email(
    client, citizen, kongsvinger_body, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/alerts/subscribe", point_data(email=citizen.email))

    [subscription] = Subscription.objects.filter(user=citizen, kind=SubscriptionKind.RADIUS)
    assert subscription.confirmed is None
    assert len(mail.outbox) == 1


def test_a_bad_confirmation_link_is_a_400(client, db):
    response = client.get("/alerts/confirm/not-a-token")
    assert response.status_code == 400


def test_following_a_report(client, verified, public_report):
    client.force_login(verified)
    page = client.get("/alerts", {"report": public_report.pk})
    assert page.status_code == 200

    client.post("/alerts/subscribe", {"report": public_report.pk})

    [subscription] = Subscription.objects.filter(user=verified, kind=SubscriptionKind.REPORT)
    assert subscription.report == public_report


def test_following_an_unconfirmed_report_is_refused(client, verified, unconfirmed_report):
    client.force_login(verified)
    response = client.post("/alerts/subscribe", {"report": unconfirmed_report.pk})
    assert response.status_code == 400
    assert not Subscription.objects.filter(user=verified).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target": "area:999999"}, "target"),
        ({"target": "nonsense"}, "target"),
        ({"radius": "50"}, "radius"),
        ({"radius": "50000"}, "radius"),
        ({"radius": ""}, "radius"),
        ({"radius": "many"}, "radius"),
        ({"categories": "999999"}, "categories"),
        ({"include_new": None}, "__all__"),
        ({"email": "not-an-address"}, "email"),
        ({"email": None}, "email"),
        ({"label": "x" * 201}, "label"),
    ],
)
def test_each_bad_field_gets_a_400_and_saves_nothing(client, kongsvinger_body, fields, field):
    data = point_data(email="nina@example.org")
    data.update({k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        data.pop(key, None)

    response = client.post("/alerts/subscribe", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("position", [{"lat": "x"}, {"lat": "100"}, {"lon": ""}])
def test_a_bad_position_in_the_form_is_a_400(client, db, position):
    response = client.post("/alerts/subscribe", point_data(email="a@example.org", **position))
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_sign_ups_are_rate_limited_per_email_address(client, kongsvinger_body):
    for _ in range(5):
        assert (
            client.post("/alerts/subscribe", point_data(email="n@example.org")).status_code == 200
        )

    response = client.post("/alerts/subscribe", point_data(email="N@example.org"))

    assert response.status_code == 429
    assert Subscription.objects.count() == 5


def test_sign_ups_are_rate_limited_per_client(client, kongsvinger_body):
    for number in range(30):
        client.post("/alerts/subscribe", point_data(email=f"p{number}@example.org"))

    response = client.post("/alerts/subscribe", point_data(email="late@example.org"))

    assert response.status_code == 429


def test_the_area_choice_lists_kommune_areas_only_where_the_point_is(client, kommuner):
    eidskog = Area.objects.get(kind="kommune", code="3416")
    response = client.get("/alerts", {"lat": LAT, "lon": LON})
    assert f'value="area:{eidskog.pk}"' not in response.content.decode()


def test_every_page_links_to_the_alerts(client, db):
    assert 'href="/alerts"' in client.get("/about").content.decode()


def test_a_report_page_offers_to_follow_the_report(client, public_report):
    page = client.get(public_report.get_absolute_url()).content.decode()
    assert f"/alerts?report={public_report.pk}" in page


def test_the_around_page_offers_alerts_for_the_place(client, kongsvinger_body):
    page = client.get("/around", {"lat": LAT, "lon": LON}).content.decode()
    assert "/alerts?lat=" in page
