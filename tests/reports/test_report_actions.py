"""What people do on the report page: every form, every person, every bad input.

The cast: Kari (`citizen`) made the report; Ola (`other_citizen`) did not; Kongsvinger staff
act for the body responsible for it; Eidskog staff act for a neighbouring body; the
administrator runs the site but acts for no body.
"""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.conftest import make_photos_ready
from tests.reports.test_images import huge_rgba_png
from torget.accounts.models import Membership
from torget.alerts.models import Subscription
from torget.reports import actions
from torget.reports.models import Photo, Report, State, Support, Update

pytestmark = pytest.mark.django_db

POST_VIEWS = ["add_update", "support", "reopen", "answer", "hide_name", "takedown"]
ALL_VIEWS = ["detail", *POST_VIEWS]


def url(name, report):
    return reverse(f"reports:{name}", args=[report.pk])


def post(client, name, report, data=None, **extra):
    return client.post(url(name, report), data or {}, **extra)


def jpeg_upload(name="lys.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def refreshed(report):
    return Report.objects.get(pk=report.pk)


def nothing_written(report, updates_before=0):
    report = refreshed(report)
    return report.updates.count() == updates_before and not Photo.objects.exists()


def as_user(client, user):
    client.force_login(user)
    client.cookies.load({"django_language": "en"})
    return client


# Rules shared by every form


@pytest.mark.parametrize("name", POST_VIEWS)
def test_an_anonymous_visitor_is_sent_to_log_in_first(client, public_report, name):
    response = post(client, name, public_report, {"update-text": "Hei", "reopen-reason": "x"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/report/{public_report.pk}"
    assert not Update.objects.exists()
    assert not Support.objects.exists()


@pytest.mark.parametrize("name", POST_VIEWS)
def test_a_form_without_its_csrf_token_is_refused(public_report, citizen, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert post(client, name, public_report, {"update-text": "Hei"}).status_code == 403
    assert not Update.objects.exists()


@pytest.mark.parametrize("name", POST_VIEWS)
def test_the_forms_take_only_post(client, public_report, citizen, name):
    client.force_login(citizen)
    assert client.get(url(name, public_report)).status_code == 405


@pytest.mark.parametrize("name", ALL_VIEWS)
def test_staff_of_another_body_find_nothing_at_an_unconfirmed_reports_addresses(
    client, unconfirmed_report, eidskog_staff, name
):
    client.force_login(eidskog_staff)
    response = client.post(url(name, unconfirmed_report), {"answer-text": "Hei"})
    if name == "detail":
        response = client.get(url(name, unconfirmed_report))
    assert response.status_code == 404
    assert not Update.objects.exists()


@pytest.mark.parametrize("name", ALL_VIEWS)
def test_another_citizen_finds_nothing_at_an_unconfirmed_reports_addresses(
    client, unconfirmed_report, other_citizen, name
):
    client.force_login(other_citizen)
    method = client.get if name == "detail" else client.post
    assert method(url(name, unconfirmed_report)).status_code == 404


@pytest.mark.parametrize("name", ALL_VIEWS)
def test_an_administrator_finds_nothing_at_an_unconfirmed_reports_addresses(
    client, unconfirmed_report, admin_user, name
):
    client.force_login(admin_user)
    method = client.get if name == "detail" else client.post
    assert method(url(name, unconfirmed_report)).status_code == 404


@pytest.mark.parametrize("name", ALL_VIEWS)
def test_an_unknown_report_number_is_not_found(client, public_report, citizen, name):
    client.force_login(citizen)
    method = client.get if name == "detail" else client.post
    missing = reverse(f"reports:{name}", args=[public_report.pk + 1000])
    assert method(missing).status_code == 404


# Adding an update


def test_a_citizen_adds_an_update(client, public_report, other_citizen):
    as_user(client, other_citizen)
    response = post(client, "add_update", public_report, {"update-text": "Fortsatt mørkt."})
    assert response.status_code == 302
    assert response["Location"] == f"/report/{public_report.pk}?page=last#timeline"
    update = Update.objects.get()
    assert (update.author, update.text, update.new_state) == (other_citizen, "Fortsatt mørkt.", "")
    assert update.body is None
    assert not update.show_name
    page = client.get(response["Location"]).content.decode()
    assert "Your update is on the report." in page
    assert "Fortsatt mørkt." in page


def test_adding_an_update_follows_the_report(client, public_report, other_citizen):
    as_user(client, other_citizen)
    post(client, "add_update", public_report, {"update-text": "Fortsatt mørkt."})
    assert Subscription.objects.filter(user=other_citizen, report=public_report).exists()


def test_the_reporter_adds_an_update(client, public_report, citizen):
    as_user(client, citizen)
    assert post(client, "add_update", public_report, {"update-text": "Mer info"}).status_code == 302
    assert Update.objects.get().author == citizen


def test_staff_add_an_ordinary_update_without_a_badge(client, public_report, kongsvinger_staff):
    """The update form is the citizens' one; answering for the body is the answer form."""
    as_user(client, kongsvinger_staff)
    post(client, "add_update", public_report, {"update-text": "Som innbygger"})
    assert Update.objects.get().body is None


def test_staff_of_another_body_add_an_update_as_citizens(client, public_report, eidskog_staff):
    as_user(client, eidskog_staff)
    assert post(client, "add_update", public_report, {"update-text": "Hei"}).status_code == 302
    assert Update.objects.get().body is None


def test_an_administrator_adds_an_update(client, public_report, admin_user):
    as_user(client, admin_user)
    assert post(client, "add_update", public_report, {"update-text": "Hei"}).status_code == 302


def test_an_update_can_show_its_authors_name(client, public_report, other_citizen):
    as_user(client, other_citizen)
    data = {"update-text": "Med navn", "update-show_name": "on"}
    post(client, "add_update", public_report, data)
    assert Update.objects.get().show_name
    assert "Ola Hansen" in client.get(url("detail", public_report)).content.decode()


def test_an_update_with_a_photo_keeps_it(client, public_report, other_citizen):
    as_user(client, other_citizen)
    data = {"update-text": "Se bildet", "update-photo": jpeg_upload()}
    assert post(client, "add_update", public_report, data).status_code == 302
    make_photos_ready()
    photo = Photo.objects.get()
    assert photo.update == Update.objects.get()
    assert photo.report == public_report
    assert photo.medium.url in client.get(url("detail", public_report)).content.decode()


def test_a_citizen_marks_the_report_fixed(client, public_report, other_citizen):
    as_user(client, other_citizen)
    data = {"update-text": "Lyser igjen!", "update-mark_fixed": "on"}
    response = post(client, "add_update", public_report, data)
    assert response.status_code == 302
    report = refreshed(public_report)
    assert report.state == State.FIXED
    assert report.fixed is not None
    assert Update.objects.get().new_state == State.FIXED
    page = client.get(response["Location"]).content.decode()
    assert "marked as fixed" in page
    assert "State changed to: <strong>Fixed</strong>" in page


def test_saying_fixed_about_a_fixed_report_adds_only_the_text(client, public_report, other_citizen):
    """The checkbox is not offered once fixed; a stale form's tick changes nothing."""
    public_report.mark_fixed()
    as_user(client, other_citizen)
    data = {"update-text": "Ja, fikset", "update-mark_fixed": "on"}
    assert post(client, "add_update", public_report, data).status_code == 302
    assert Update.objects.get().new_state == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("   \n  ", "This field is required."),
        ("x" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
    ids=["empty", "only-spaces", "too-long"],
)
def test_an_update_with_bad_text_is_refused_and_nothing_is_saved(
    client, public_report, other_citizen, text, message
):
    as_user(client, other_citizen)
    data = {"update-text": text, "update-mark_fixed": "on", "update-photo": jpeg_upload()}
    response = post(client, "add_update", public_report, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert nothing_written(public_report)
    assert refreshed(public_report).state == State.OPEN


def test_a_script_in_an_update_is_shown_as_text(client, public_report, other_citizen):
    as_user(client, other_citizen)
    post(client, "add_update", public_report, {"update-text": "<script>alert(1)</script>"})
    html = client.get(url("detail", public_report)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_script_sent_back_in_a_refused_form_is_escaped(client, public_report, other_citizen):
    as_user(client, other_citizen)
    data = {"update-text": "<script>alert(1)</script>" + "x" * 5000}
    html = post(client, "add_update", public_report, data).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    "upload",
    [
        ("notes.jpg", b"This is not a photo at all."),
        ("half.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20),
    ],
    ids=["not-an-image", "corrupt"],
)
def test_an_update_with_a_bad_photo_is_refused_and_nothing_is_saved(
    client, public_report, other_citizen, upload
):
    name, content = upload
    file = io.BytesIO(content)
    file.name = name
    as_user(client, other_citizen)
    data = {"update-text": "Se bildet", "update-photo": file}
    response = post(client, "add_update", public_report, data)
    assert response.status_code == 400
    assert 'id="id_update-photo_error"' in response.content.decode()
    assert nothing_written(public_report)


def test_an_update_with_a_huge_png_is_refused_for_its_size(client, public_report, other_citizen):
    file = io.BytesIO(huge_rgba_png(7000))
    file.name = "huge.png"
    as_user(client, other_citizen)
    data = {"update-text": "Se bildet", "update-photo": file}

    response = post(client, "add_update", public_report, data)

    assert response.status_code == 400
    assert "at most 25 megapixels for PNG, WebP or HEIC" in response.content.decode()
    assert nothing_written(public_report)


def test_an_update_keeps_its_text_when_refused(client, public_report, other_citizen):
    as_user(client, other_citizen)
    bad_photo = io.BytesIO(b"nope")
    bad_photo.name = "x.png"
    data = {"update-text": "Teksten min", "update-photo": bad_photo}
    assert "Teksten min" in post(client, "add_update", public_report, data).content.decode()


def test_the_reporter_cannot_update_their_unconfirmed_report(client, unconfirmed_report, citizen):
    as_user(client, citizen)
    response = post(client, "add_update", unconfirmed_report, {"update-text": "Hei"})
    assert response.status_code == 403
    assert not Update.objects.exists()


def test_updates_are_rate_limited_per_person(client, public_report, other_citizen):
    as_user(client, other_citizen)
    for n in range(20):
        post(client, "add_update", public_report, {"update-text": f"Nr. {n}"})
    response = post(client, "add_update", public_report, {"update-text": "En for mye"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "many times in the past hour" in html
    # What they wrote is still there, to post later.
    assert "En for mye" in html
    assert Update.objects.count() == 20


def test_updates_are_rate_limited_per_address(client, public_report, django_user_model):
    for n in range(21):
        user = django_user_model.objects.create_user(f"u{n}@example.org", "pw")
        client.force_login(user)
        response = post(client, "add_update", public_report, {"update-text": "Hei"})
    assert response.status_code == 429
    assert Update.objects.count() == 20


# "I have this problem too"


def test_a_citizen_supports_a_report(client, public_report, other_citizen):
    as_user(client, other_citizen)
    response = post(client, "support", public_report)
    assert response.status_code == 302
    assert Support.objects.get().user == other_citizen
    page = client.get(response["Location"]).content.decode()
    assert "1 person has this problem too." in page
    assert "You have said you have this problem too." in page


def test_supporting_twice_counts_once(client, public_report, other_citizen):
    as_user(client, other_citizen)
    post(client, "support", public_report)
    assert post(client, "support", public_report).status_code == 302
    assert Support.objects.count() == 1


def test_supporting_follows_the_report(client, public_report, other_citizen):
    as_user(client, other_citizen)
    post(client, "support", public_report)
    assert Subscription.objects.filter(user=other_citizen, report=public_report).exists()


def test_staff_of_any_body_may_support_as_citizens(
    client, public_report, kongsvinger_staff, eidskog_staff
):
    for person in (kongsvinger_staff, eidskog_staff):
        client.force_login(person)
        assert post(client, "support", public_report).status_code == 302
    assert Support.objects.count() == 2


def test_an_administrator_may_support(client, public_report, admin_user):
    client.force_login(admin_user)
    assert post(client, "support", public_report).status_code == 302


def test_the_reporters_own_support_is_refused(client, public_report, citizen):
    """They are not offered the button, so a crafted POST is refused too: the same rule."""
    client.force_login(citizen)
    assert post(client, "support", public_report).status_code == 403
    assert not Support.objects.exists()


def test_the_reporter_cannot_support_their_unconfirmed_report(client, unconfirmed_report, citizen):
    client.force_login(citizen)
    assert post(client, "support", unconfirmed_report).status_code == 403
    assert not Support.objects.exists()


def test_supports_are_rate_limited(client, public_report, django_user_model):
    for n in range(61):
        user = django_user_model.objects.create_user(f"s{n}@example.org", "pw")
        client.force_login(user)
        response = post(client, "support", public_report)
    assert response.status_code == 429
    assert Support.objects.count() == 60


# Reopening


def test_the_reporter_reopens_a_fixed_report(client, public_report, citizen):
    public_report.mark_fixed()
    as_user(client, citizen)
    response = post(client, "reopen", public_report, {"reopen-reason": "Mørkt igjen."})
    assert response.status_code == 302
    report = refreshed(public_report)
    assert report.state == State.OPEN
    assert report.fixed is None
    update = Update.objects.get()
    assert (update.author, update.text, update.new_state) == (citizen, "Mørkt igjen.", State.OPEN)
    assert "The report is open again." in client.get(response["Location"]).content.decode()


def test_the_reporter_reopens_a_closed_report(
    client, public_report, citizen, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=public_report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Ikke vårt",
        new_state=State.NOT_RESPONSIBLE,
    )
    client.force_login(citizen)
    assert post(client, "reopen", public_report, {"reopen-reason": "Jo"}).status_code == 302
    assert refreshed(public_report).state == State.OPEN


def test_an_open_report_cannot_be_reopened(client, public_report, citizen):
    client.force_login(citizen)
    assert post(client, "reopen", public_report, {"reopen-reason": "Hvorfor"}).status_code == 403
    assert not Update.objects.exists()


@pytest.mark.parametrize("persona", ["other_citizen", "kongsvinger_staff", "eidskog_staff"])
def test_only_the_reporter_may_reopen(client, request, public_report, persona):
    public_report.mark_fixed()
    as_user(client, request.getfixturevalue(persona))
    response = post(client, "reopen", public_report, {"reopen-reason": "Ikke fikset"})
    assert response.status_code == 403
    assert "Only the reporter can reopen it." in response.content.decode()
    assert refreshed(public_report).state == State.FIXED
    assert not Update.objects.exists()


def test_an_administrator_may_not_reopen_someone_elses_report(client, public_report, admin_user):
    public_report.mark_fixed()
    client.force_login(admin_user)
    assert post(client, "reopen", public_report, {"reopen-reason": "x"}).status_code == 403
    assert refreshed(public_report).state == State.FIXED


@pytest.mark.parametrize("reason", ["", "  ", "x" * 5001], ids=["empty", "spaces", "too-long"])
def test_reopening_needs_a_reason(client, public_report, citizen, reason):
    public_report.mark_fixed()
    as_user(client, citizen)
    response = post(client, "reopen", public_report, {"reopen-reason": reason})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert refreshed(public_report).state == State.FIXED
    assert not Update.objects.exists()


# Staff answers


def answer(client, report, **fields):
    data = {"answer-text": "Vi ser på det.", "answer-new_state": report.state}
    data.update({f"answer-{key}": value for key, value in fields.items()})
    return post(client, "answer", report, data)


def test_staff_answer_with_a_state_change(
    client, public_report, kongsvinger_staff, kongsvinger_body
):
    as_user(client, kongsvinger_staff)
    response = answer(client, public_report, text="Ny pære bestilt.", new_state=State.PLANNED)
    assert response.status_code == 302
    report = refreshed(public_report)
    assert report.state == State.PLANNED
    assert report.answered is not None
    assert report.acknowledged is not None
    update = Update.objects.get()
    assert update.body == kongsvinger_body
    assert update.new_state == State.PLANNED
    page = client.get(response["Location"]).content.decode()
    assert "Your answer for Kongsvinger kommune is on the report." in page
    assert '<span class="badge">Kongsvinger kommune</span>' in page
    assert "State changed to: <strong>Planned</strong>" in page


def test_staff_answer_without_changing_the_state(client, public_report, kongsvinger_staff):
    as_user(client, kongsvinger_staff)
    assert answer(client, public_report, text="Takk for meldingen.").status_code == 302
    report = refreshed(public_report)
    assert report.state == State.OPEN
    assert report.answered is not None
    assert Update.objects.get().new_state == ""


def test_staff_mark_a_report_fixed(client, public_report, kongsvinger_staff):
    as_user(client, kongsvinger_staff)
    answer(client, public_report, new_state=State.FIXED)
    report = refreshed(public_report)
    assert report.state == State.FIXED
    assert report.fixed is not None


def test_staff_mark_a_duplicate_of_an_original(
    client, public_report, kongsvinger_staff, citizen, kongsvinger_category
):
    original = actions.submit_report(
        reporter=actions.Reporter(user=citizen, email=citizen.email),
        category=kongsvinger_category,
        lat=60.19,
        lon=11.99,
        title="Originalen",
        detail="",
        show_name=False,
        photos=[],
    )
    as_user(client, kongsvinger_staff)
    response = answer(client, public_report, new_state=State.DUPLICATE, duplicate_of=original.pk)
    assert response.status_code == 302
    report = refreshed(public_report)
    assert report.state == State.DUPLICATE
    assert report.duplicate_of == original
    assert report.closed is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "This field is required."),
        ({"text": "x" * 5001}, "at most 5000 characters"),
        ({"new_state": "exploded"}, "Select a valid choice."),
        ({"new_state": "unconfirmed"}, "Select a valid choice."),
        ({"new_state": ""}, "This field is required."),
        ({"new_state": "duplicate"}, "Give the number of the original report."),
        ({"new_state": "duplicate", "duplicate_of": "abc"}, "Enter a whole number."),
        ({"new_state": "duplicate", "duplicate_of": "99999"}, "no public report number 99999"),
    ],
    ids=[
        "empty-text",
        "long-text",
        "unknown-state",
        "unconfirmed-state",
        "no-state",
        "duplicate-without-original",
        "duplicate-of-not-a-number",
        "duplicate-of-a-missing-report",
    ],
)
def test_a_bad_answer_is_refused_and_nothing_changes(
    client, public_report, kongsvinger_staff, fields, message
):
    as_user(client, kongsvinger_staff)
    response = answer(client, public_report, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    report = refreshed(public_report)
    assert report.state == State.OPEN
    assert report.answered is None
    assert not Update.objects.exists()


def test_a_report_cannot_be_a_duplicate_of_itself(client, public_report, kongsvinger_staff):
    as_user(client, kongsvinger_staff)
    response = answer(client, public_report, new_state="duplicate", duplicate_of=public_report.pk)
    assert response.status_code == 400
    assert "cannot be a duplicate of itself" in response.content.decode()
    assert refreshed(public_report).state == State.OPEN


def test_a_report_cannot_be_a_duplicate_of_an_unconfirmed_one(
    client, public_report, unconfirmed_report, kongsvinger_staff
):
    as_user(client, kongsvinger_staff)
    response = answer(
        client, public_report, new_state="duplicate", duplicate_of=unconfirmed_report.pk
    )
    assert response.status_code == 400
    assert refreshed(public_report).state == State.OPEN


def test_a_script_in_an_answer_is_shown_as_text(client, public_report, kongsvinger_staff):
    as_user(client, kongsvinger_staff)
    answer(client, public_report, text="<script>alert('svar')</script>")
    html = client.get(url("detail", public_report)).content.decode()
    assert "<script>alert('svar')" not in html
    assert "&lt;script&gt;alert(&#x27;svar&#x27;)&lt;/script&gt;" in html


def test_staff_of_another_body_may_not_answer(client, public_report, eidskog_staff):
    as_user(client, eidskog_staff)
    response = answer(client, public_report, new_state=State.FIXED)
    assert response.status_code == 403
    assert "Only staff of a body responsible for this report" in response.content.decode()
    assert refreshed(public_report).state == State.OPEN
    assert not Update.objects.exists()


@pytest.mark.parametrize("persona", ["citizen", "other_citizen", "admin_user"])
def test_people_who_are_not_staff_of_the_body_may_not_answer(
    client, request, public_report, persona
):
    client.force_login(request.getfixturevalue(persona))
    assert answer(client, public_report, new_state=State.FIXED).status_code == 403
    assert refreshed(public_report).state == State.OPEN
    assert not Update.objects.exists()


def test_staff_cannot_answer_an_unconfirmed_report(client, unconfirmed_report, kongsvinger_staff):
    client.force_login(kongsvinger_staff)
    response = answer(client, unconfirmed_report, new_state=State.ACKNOWLEDGED)
    assert response.status_code == 403
    assert refreshed(unconfirmed_report).state == State.UNCONFIRMED
    assert not Update.objects.exists()


def test_staff_of_two_responsible_bodies_answer_for_the_one_they_choose(
    client, public_report, kongsvinger_staff, eidskog_body
):
    public_report.bodies.add(eidskog_body)
    Membership.objects.create(user=kongsvinger_staff, body=eidskog_body)
    as_user(client, kongsvinger_staff)
    assert answer(client, public_report, body=eidskog_body.pk).status_code == 302
    assert Update.objects.get().body == eidskog_body


def test_staff_of_two_bodies_must_say_which_they_answer_for(
    client, public_report, kongsvinger_staff, eidskog_body
):
    public_report.bodies.add(eidskog_body)
    Membership.objects.create(user=kongsvinger_staff, body=eidskog_body)
    as_user(client, kongsvinger_staff)
    assert answer(client, public_report).status_code == 400
    assert not Update.objects.exists()


def test_staff_cannot_answer_for_a_body_that_is_not_responsible(
    client, public_report, kongsvinger_staff, eidskog_body
):
    """Acting for Eidskog too does not make Eidskog responsible for a Kongsvinger report."""
    Membership.objects.create(user=kongsvinger_staff, body=eidskog_body)
    as_user(client, kongsvinger_staff)
    assert answer(client, public_report, body=eidskog_body.pk).status_code == 302
    assert Update.objects.get().body.slug == "kongsvinger"


# Hiding the reporter's name


def test_the_reporter_hides_their_name(client, public_report, citizen):
    Report.objects.filter(pk=public_report.pk).update(show_name=True)
    actions.add_update(
        report=public_report, author=citizen, text="Med navn", photos=[], show_name=True
    )
    as_user(client, citizen)
    response = post(client, "hide_name", public_report)
    assert response.status_code == 302
    assert not refreshed(public_report).show_name
    assert not Update.objects.get().show_name
    client.logout()
    assert "Kari Nordmann" not in client.get(url("detail", public_report)).content.decode()


@pytest.mark.parametrize(
    "persona", ["other_citizen", "kongsvinger_staff", "eidskog_staff", "admin_user"]
)
def test_only_the_reporter_may_hide_their_name(client, request, public_report, persona):
    Report.objects.filter(pk=public_report.pk).update(show_name=True)
    client.force_login(request.getfixturevalue(persona))
    assert post(client, "hide_name", public_report).status_code == 403
    assert refreshed(public_report).show_name


# Asking for a take-down


def test_the_reporter_asks_for_a_takedown(client, public_report, citizen):
    as_user(client, citizen)
    response = post(client, "takedown", public_report, {"takedown-reason": "Feil sted."})
    assert response.status_code == 302
    report = refreshed(public_report)
    assert report.takedown_requested is not None
    assert report.takedown_reason == "Feil sted."
    # The report stays up until a moderator decides.
    assert report.is_public
    page = client.get(response["Location"]).content.decode()
    assert "A moderator will look at your request." in page
    assert "asked on" in page


def test_a_takedown_request_is_mailed_to_the_moderators_and_nobody_else(
    client,
    public_report,
    citizen,
    admin_user,
    kongsvinger_staff,
    django_capture_on_commit_callbacks,
):
    """The administrators hide reports, so they are told, in their language, with the reason
    and a link to the report in the admin; the reason is never sent to anyone else."""
    from django.core import mail

    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    as_user(client, citizen)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "takedown", public_report, {"takedown-reason": "Feil sted, beklager."})
    [message] = mail.outbox
    assert message.to == [admin_user.email]
    assert message.subject.startswith(f"Take-down requested for report {public_report.pk}")
    assert "Feil sted, beklager." in message.body
    assert f"/admin/reports/report/{public_report.pk}/change/" in message.body


@pytest.mark.parametrize("reason", ["", "x" * 5001], ids=["empty", "too-long"])
def test_a_takedown_needs_a_reason(client, public_report, citizen, reason):
    as_user(client, citizen)
    response = post(client, "takedown", public_report, {"takedown-reason": reason})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert refreshed(public_report).takedown_requested is None


@pytest.mark.parametrize(
    "persona", ["other_citizen", "kongsvinger_staff", "eidskog_staff", "admin_user"]
)
def test_only_the_reporter_may_ask_for_a_takedown(client, request, public_report, persona):
    client.force_login(request.getfixturevalue(persona))
    response = post(client, "takedown", public_report, {"takedown-reason": "Vekk med den"})
    assert response.status_code == 403
    assert refreshed(public_report).takedown_requested is None


# The actions behind the forms


def test_the_action_refuses_to_mark_a_fixed_report_fixed_again(public_report, other_citizen):
    public_report.mark_fixed()
    with pytest.raises(actions.NotAllowed):
        actions.add_update(
            report=public_report, author=other_citizen, text="Fikset", photos=[], mark_fixed=True
        )
    assert not Update.objects.exists()


def test_a_state_change_reads_the_report_afresh_not_a_stale_copy(public_report, other_citizen):
    """Two people press "fixed" at once: the second sees the first's change."""
    stale = Report.objects.get(pk=public_report.pk)
    public_report.mark_fixed()
    with pytest.raises(actions.NotAllowed):
        actions.add_update(
            report=stale, author=other_citizen, text="Fikset", photos=[], mark_fixed=True
        )
    assert not Update.objects.exists()


def test_the_action_refuses_an_answer_to_an_unconfirmed_report(
    unconfirmed_report, kongsvinger_staff, kongsvinger_body
):
    with pytest.raises(actions.NotAllowed):
        actions.answer_as_body(
            report=unconfirmed_report, staff=kongsvinger_staff, body=kongsvinger_body, text="Hei"
        )
    assert refreshed(unconfirmed_report).answered is None


def test_the_action_refuses_an_answer_to_a_hidden_report(
    public_report, kongsvinger_staff, kongsvinger_body
):
    """A moderator hid it: the body answers nothing on it, whatever the channel."""
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    with pytest.raises(actions.NotAllowed):
        actions.answer_as_body(
            report=public_report,
            staff=kongsvinger_staff,
            body=kongsvinger_body,
            text="Hei",
            new_state=State.FIXED,
        )
    assert refreshed(public_report).state == State.OPEN
    assert not Update.objects.exists()


def test_the_action_refuses_to_reopen_a_hidden_report(public_report, citizen):
    """Reopening tells the body; a report a moderator hid is not sent to it again."""
    public_report.mark_fixed()
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    with pytest.raises(actions.NotAllowed):
        actions.reopen_report(report=public_report, by=citizen, reason="Ikke fikset")
    assert refreshed(public_report).state == State.FIXED
    assert not Update.objects.exists()


def test_behind_a_proxy_updates_are_limited_per_client_not_per_proxy(
    client, public_report, django_user_model, settings
):
    """Twenty-one people behind the same proxy, each from their own address, are not one
    flood; the same address behind it is."""
    settings.TRUSTED_PROXIES = 1
    for n in range(21):
        user = django_user_model.objects.create_user(f"p{n}@example.org", "pw")
        client.force_login(user)
        headers = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        url = reverse("reports:add_update", args=[public_report.pk])
        response = client.post(url, {"update-text": "Hei"}, headers=headers, REMOTE_ADDR="10.0.0.2")
        assert response.status_code == 302
    assert Update.objects.count() == 21
