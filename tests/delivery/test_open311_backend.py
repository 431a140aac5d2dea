"""What Torget sends to a body's Open311 system: the report, and the citizens' updates after it."""

import pytest
from django.core.files.base import ContentFile

from tests.delivery.open311_fixtures import *  # noqa: F403  (the fixtures)
from tests.delivery.open311_fixtures import delivery_of
from torget.delivery import actions
from torget.delivery.backends.base import DeliveryError
from torget.delivery.backends.open311 import Open311Backend, description, split_name
from torget.delivery.models import DeliveryState
from torget.reports import actions as report_actions
from torget.reports.models import Photo, PhotoState, Question, Update

pytestmark = pytest.mark.django_db


def sent_report(make_report, server):
    report = make_report()
    actions.send(delivery_of(report).pk)
    return report, delivery_of(report)


def test_a_report_is_posted_with_its_place_words_and_reporter(
    open311_server, make_report, settings
):
    report = make_report()

    state = actions.send(delivery_of(report).pk)

    form = open311_server.posts()[0].form
    assert state == DeliveryState.SENT
    assert delivery_of(report).external_id == open311_server.created[0].id
    assert form["service_code"] == ["GATELYS"]
    assert (form["lat"], form["long"]) == (["60.190500"], ["11.997700"])
    assert form["address_string"] == ["Rådhusplassen 1, Kongsvinger"]
    assert form["description"] == [
        "Gatelyset er mørkt\n\nLyset ved busstoppet har vært mørkt i to uker.\n\n"
        f"{settings.BASE_URL}/report/{report.pk}"
    ]
    assert form["email"] == ["kari@example.org"]
    assert (form["first_name"], form["last_name"]) == (["Kari Anne"], ["Nordmann"])
    assert form["phone"] == ["+47 912 34 567"]
    assert form["api_key"] == [open311_server.api_key]
    assert form["jurisdiction_id"] == ["kongsvinger.kommune.no"]
    assert "media_url" not in form


def test_the_answers_to_the_categorys_questions_are_posted_as_attributes(
    open311_server, make_report, streetlights
):
    """In the spec's form: attribute[CODE]=v, and attribute[CODE][]=v1&... for several."""
    Question.objects.create(
        category=streetlights, code="POLE", label="Stolpe?", datatype="singlevaluelist",
        values=[{"key": "wood", "name": "Tre"}],
    )  # fmt: skip
    Question.objects.create(
        category=streetlights, code="SIDES", label="Sider?", datatype="multivaluelist",
        values=[{"key": "N", "name": "Nord"}, {"key": "S", "name": "Sør"}],
    )  # fmt: skip
    report = make_report(answers={"POLE": "wood", "SIDES": ["N", "S"], "gone": "x"})

    actions.send(delivery_of(report).pk)

    form = open311_server.posts()[0].form
    assert form["attribute[POLE]"] == ["wood"]
    assert form["attribute[SIDES][]"] == ["N", "S"]
    # An answer to a question the category no longer asks means nothing to the service.
    assert not [key for key in form if "gone" in key]


def test_a_report_without_answers_posts_no_attributes(open311_server, make_report):
    actions.send(delivery_of(make_report()).pk)

    assert not [key for key in open311_server.posts()[0].form if key.startswith("attribute")]


def test_the_first_photo_goes_as_an_absolute_media_url(open311_server, make_report, settings):
    report = make_report()
    for position in (1, 0):
        photo = Photo(report=report, position=position, state=PhotoState.READY)
        photo.image.save(f"lys-{position}.jpg", ContentFile(b"jpeg"), save=True)

    actions.send(delivery_of(report).pk)

    (media_url,) = open311_server.posts()[0].form["media_url"]
    assert media_url.startswith(f"{settings.BASE_URL}/media/photos/")
    assert "lys-0" in media_url


def test_a_long_description_is_cut_but_keeps_the_link(make_report, settings):
    report = make_report(detail="Mørkt. " * 1000)

    text = description(report)

    assert len(text) == 4000
    assert text.endswith(f"…\n\n{settings.BASE_URL}/report/{report.pk}")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Kari Anne Nordmann", ("Kari Anne", "Nordmann")), ("Kari", ("Kari", "")), ("", ("", ""))],
)
def test_a_name_is_split_into_first_and_last(name, expected):
    assert split_name(name) == expected


def test_a_delivery_with_its_id_is_never_posted_again(open311_server, make_report):
    _report, delivery = sent_report(make_report, open311_server)

    assert Open311Backend().send_report(delivery) == delivery.external_id
    assert len(open311_server.posts()) == 1


def test_a_delivery_with_a_token_asks_for_the_id_instead_of_posting(
    open311_server, make_report, no_poll_waits
):
    open311_server.token_polls = 1
    report = make_report()
    delivery = delivery_of(report)
    open311_server.created.clear()
    delivery.token = "tok-ukjent"
    delivery.save(update_fields=["token"])

    with pytest.raises(DeliveryError) as raised:
        Open311Backend().send_report(delivery)

    assert raised.value.permanent  # the server does not know the token: staff must look
    assert "Token tok-ukjent not found" in str(raised.value)
    assert open311_server.posts() == []


def test_a_blackbox_service_counts_as_sent_without_an_id(open311_server, make_report):
    open311_server.blackbox = True
    report = make_report()

    state = actions.send(delivery_of(report).pk)

    assert state == DeliveryState.SENT
    assert delivery_of(report).external_id == ""


def test_a_contact_without_a_service_code_fails_at_once(open311_contact, make_report):
    open311_contact.service_code = ""
    open311_contact.save(update_fields=["service_code"])
    report = make_report()

    assert actions.send(delivery_of(report).pk) == DeliveryState.FAILED
    assert "no Open311 endpoint and service code" in delivery_of(report).last_error


# Citizens' updates, through mySociety's servicerequestupdates.


def test_a_citizens_update_reaches_the_body(
    open311_server, make_report, citizen, django_capture_on_commit_callbacks
):
    report, delivery = sent_report(make_report, open311_server)

    with django_capture_on_commit_callbacks(execute=True):
        update = report_actions.add_update(
            report=report, author=citizen, text="Fortsatt mørkt.", photos=[]
        )

    (posted,) = open311_server.updates_received
    assert posted.path == "/open311/v2/servicerequestupdates.xml"
    form = {name: values[0] for name, values in posted.form.items()}
    assert form == {
        "service_request_id": delivery.external_id,
        "update_id": str(update.pk),
        "updated_datetime": update.created.replace(microsecond=0).isoformat(),
        "status": "OPEN",
        "description": "Fortsatt mørkt.",
        "email": "kari@example.org",
        "first_name": "Kari Anne",
        "last_name": "Nordmann",
        "api_key": open311_server.api_key,
        "jurisdiction_id": "kongsvinger.kommune.no",
    }


def test_a_report_marked_fixed_is_posted_as_closed(
    open311_server, make_report, citizen, django_capture_on_commit_callbacks
):
    report, _delivery = sent_report(make_report, open311_server)

    with django_capture_on_commit_callbacks(execute=True):
        report_actions.add_update(
            report=report, author=citizen, text="Nå lyser det.", photos=[], mark_fixed=True
        )

    assert open311_server.updates_received[0].form["status"] == ["CLOSED"]


def test_a_server_without_the_updates_extension_is_left_alone(open311_server, make_report):
    open311_server.has_updates_extension = False
    report, delivery = sent_report(make_report, open311_server)
    update = Update.objects.create(report=report, author=report.reporter, text="Hei")

    Open311Backend().send_update(delivery, update)  # no error: nothing to retry

    assert len(open311_server.posts("servicerequestupdates")) == 1
    assert open311_server.updates_received == []


def test_a_server_failing_is_an_error_so_the_update_can_be_tried_again(open311_server, make_report):
    report, delivery = sent_report(make_report, open311_server)
    update = Update.objects.create(report=report, author=report.reporter, text="Hei")
    open311_server.fail("500")

    with pytest.raises(DeliveryError) as raised:
        Open311Backend().send_update(delivery, update)

    assert not raised.value.permanent


def test_a_body_that_takes_no_updates_is_not_told(open311_server, open311_contact, make_report):
    report, delivery = sent_report(make_report, open311_server)
    open311_contact.accepts_updates = False
    open311_contact.save(update_fields=["accepts_updates"])
    delivery.refresh_from_db()
    update = Update.objects.create(report=report, author=report.reporter, text="Hei")

    Open311Backend().send_update(delivery, update)

    assert open311_server.posts("servicerequestupdates") == []
