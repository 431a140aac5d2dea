"""GET requests and GET requests/{id}: the records, their filters and what never appears."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import KONGSVINGER_CENTRE, make_photos_ready
from tests.open311.conftest import api_get, xml_root
from tests.reports.conftest import report_in_kongsvinger
from torget.open311.records import REQUEST_FIELDS
from torget.reports import actions
from torget.reports.models import Report, State, Update


def make_reports(citizen, category, count):
    reporter = actions.Reporter(user=citizen, email=citizen.email)
    return [report_in_kongsvinger(reporter, category, title=f"Sak {n}") for n in range(count)]


def age(report, days):
    Report.objects.filter(pk=report.pk).update(
        created=timezone.now() - datetime.timedelta(days=days)
    )


def test_a_request_has_every_field_with_the_right_types(client, public_report):
    """Ids and codes are strings, lat/long numbers, dates carry the offset, and the fields
    Torget has no value for are null rather than missing."""
    (record,) = api_get(client, "/requests.json").json()
    assert list(record) == list(REQUEST_FIELDS)
    assert record["service_request_id"] == str(public_report.pk)
    assert record["service_code"] == str(public_report.category_id)
    assert record["status"] == "open"
    assert record["agency_responsible"] == "Kongsvinger kommune"
    assert record["lat"] == KONGSVINGER_CENTRE[0] and record["long"] == KONGSVINGER_CENTRE[1]
    assert record["expected_datetime"] is None and record["media_url"] is None
    assert record["description"].startswith("Gatelyset er mørkt\n\nLyset ved busstoppet")
    assert datetime.datetime.fromisoformat(record["requested_datetime"]).utcoffset() is not None
    assert record["requested_datetime"][-6:] in ("+01:00", "+02:00")


def test_the_xml_record_has_every_field_as_an_element(client, public_report):
    root = xml_root(api_get(client, "/requests.xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [child.tag for child in request] == list(REQUEST_FIELDS)
    assert request.findtext("service_request_id") == str(public_report.pk)
    assert request.find("expected_datetime").text is None


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_one_request_is_a_list_of_one(client, public_report, fmt):
    response = api_get(client, f"/requests/{public_report.pk}.{fmt}")
    if fmt == "json":
        assert [r["service_request_id"] for r in response.json()] == [str(public_report.pk)]
    else:
        assert [r.findtext("service_request_id") for r in xml_root(response)] == [
            str(public_report.pk)
        ]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unconfirmed_and_hidden_reports_never_appear(
    client, public_report, unconfirmed_report, fmt
):
    hidden = make_reports(public_report.reporter, public_report.category, 1)[0]
    Report.objects.filter(pk=hidden.pk).update(hidden=True)
    response = api_get(client, "/requests.json")
    assert [r["service_request_id"] for r in response.json()] == [str(public_report.pk)]
    for report in (unconfirmed_report, hidden):
        assert api_get(client, f"/requests/{report.pk}.{fmt}").status_code == 404
    ids = f"{unconfirmed_report.pk},{hidden.pk}"
    assert api_get(client, "/requests.json", service_request_id=ids).json() == []


def test_the_reporters_email_and_phone_never_appear(client, citizen, kongsvinger_category):
    """Not in the records, not in the extensions, not in the updates feed."""
    citizen.phone = "+47 912 34 567"
    citizen.save(update_fields=["phone"])
    report = make_reports(citizen, kongsvinger_category, 1)[0]
    actions.add_update(report=report, author=citizen, text="Fortsatt mørkt.", photos=[])
    pages = [
        client.get("/open311/v2/requests.json", {"extensions": "true"}),
        client.get("/open311/v2/requests.xml", {"extensions": "true"}),
        client.get(f"/open311/v2/requests/{report.pk}.json", {"extensions": "true"}),
        client.get("/open311/v2/servicerequestupdates.json"),
        client.get("/open311/v2/servicerequestupdates.xml"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "kari@example.org" not in text
        assert "912 34 567" not in text
        assert "Kari" not in text


def test_status_maps_open_and_everything_else_to_closed(
    client, public_report, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body,
        text="Lyset er reparert.", new_state=State.FIXED,
    )  # fmt: skip
    (record,) = api_get(client, "/requests.json").json()
    assert record["status"] == "closed"
    assert record["status_notes"] == "Lyset er reparert."
    assert api_get(client, "/requests.json", status="open").json() == []
    assert len(api_get(client, "/requests.json", status="closed").json()) == 1
    assert len(api_get(client, "/requests.json", status="open,closed").json()) == 1


def test_service_request_id_lists_override_the_other_filters(client, citizen, kongsvinger_category):
    first, _, third = make_reports(citizen, kongsvinger_category, 3)
    age(first, 200)
    response = api_get(
        client, "/requests.json", service_request_id=f"{first.pk},{third.pk}", status="closed"
    )
    assert {r["service_request_id"] for r in response.json()} == {str(first.pk), str(third.pk)}


def test_the_filters_an_id_list_overrides_must_still_be_valid(
    client, citizen, kongsvinger_category
):
    (report,) = make_reports(citizen, kongsvinger_category, 1)
    response = api_get(
        client, "/requests.json", service_request_id=str(report.pk), start_date="__dict__"
    )
    assert response.status_code == 400
    assert "start_date" in response.json()[0]["description"]


@pytest.mark.parametrize(("raw", "extended"), [("\t", False), (" true ", True), ("", False)])
def test_spaces_around_a_flag_are_dropped(client, citizen, kongsvinger_category, raw, extended):
    (report,) = make_reports(citizen, kongsvinger_category, 1)
    response = api_get(client, f"/requests/{report.pk}.json", extensions=raw)
    assert response.status_code == 200
    assert ("extended_attributes" in response.json()[0]) is extended


def test_service_code_filters(client, citizen, kongsvinger_category, eidskog_category):
    make_reports(citizen, kongsvinger_category, 2)
    assert (
        len(api_get(client, "/requests.json", service_code=str(kongsvinger_category.pk)).json())
        == 2
    )
    assert api_get(client, "/requests.json", service_code=str(eidskog_category.pk)).json() == []
    both = f"{kongsvinger_category.pk},{eidskog_category.pk}"
    assert len(api_get(client, "/requests.json", service_code=both).json()) == 2


def test_by_default_only_the_last_90_days(client, citizen, kongsvinger_category):
    old, new = make_reports(citizen, kongsvinger_category, 2)
    age(old, 100)
    ids = [r["service_request_id"] for r in api_get(client, "/requests.json").json()]
    assert ids == [str(new.pk)]


def test_start_and_end_date_select_by_requested_datetime(client, citizen, kongsvinger_category):
    old, _ = make_reports(citizen, kongsvinger_category, 2)
    age(old, 100)
    start = (timezone.now() - datetime.timedelta(days=120)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=50)).isoformat()
    ids = [
        r["service_request_id"]
        for r in api_get(client, "/requests.json", start_date=start, end_date=end).json()
    ]
    assert ids == [str(old.pk)]


@pytest.mark.parametrize(
    "start",
    ["2020-01-01T00:00:00Z", "2020-01-01T01:00:00+01:00", "2020-01-01T01:00:00 01:00",
     "2020-01-01T01:00:00", "2020-01-01", "2020-01-01T00:00:00.000Z"],
)  # fmt: skip
def test_dates_are_read_in_every_unambiguous_form(client, public_report, start):
    """Z, an offset, a '+' turned into a space, no zone (Oslo time), a date alone, fractions."""
    Report.objects.filter(pk=public_report.pk).update(
        created=datetime.datetime(2020, 1, 1, 0, 30, tzinfo=datetime.UTC)
    )
    response = api_get(client, "/requests.json", start_date=start, end_date="2020-01-02T00:00:00Z")
    assert response.status_code == 200
    assert len(response.json()) == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01T00:00:00+01:00", ""), ("", "0001-01-01T00:00:00+01:00"),
     ("9999-12-31T23:59:59-05:00", ""), ("2026-12-31T23:59:60Z", "")],
)  # fmt: skip
def test_dates_at_the_edges_of_time_are_no_error(client, db, start, end):
    response = api_get(client, "/requests.json", start_date=start, end_date=end)
    assert response.status_code == 200
    assert response.json() == []


def test_updated_after_reaches_old_reports(client, citizen, kongsvinger_category):
    """Asking what changed since T is not limited to reports of the last 90 days."""
    old, new = make_reports(citizen, kongsvinger_category, 2)
    age(old, 300)
    Report.objects.filter(pk=new.pk).update(updated=timezone.now() - datetime.timedelta(days=2))
    after = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    ids = [
        r["service_request_id"]
        for r in api_get(client, "/requests.json", updated_after=after).json()
    ]
    assert ids == [str(old.pk)]
    before = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    ids = [
        r["service_request_id"]
        for r in api_get(client, "/requests.json", updated_before=before).json()
    ]
    assert ids == [str(new.pk)]


def test_lat_long_radius_and_bbox(client, public_report):
    lat, lon = KONGSVINGER_CENTRE
    assert len(api_get(client, "/requests.json", lat=lat, long=lon, radius=100).json()) == 1
    assert api_get(client, "/requests.json", lat=lat + 0.01, long=lon, radius=100).json() == []
    inside = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    outside = f"{lon + 0.01},{lat - 0.01},{lon + 0.02},{lat + 0.01}"
    assert len(api_get(client, "/requests.json", bbox=inside).json()) == 1
    assert api_get(client, "/requests.json", bbox=outside).json() == []


def test_pages_are_newest_first_and_do_not_overlap(client, citizen, kongsvinger_category):
    reports = make_reports(citizen, kongsvinger_category, 5)
    newest_first = [str(r.pk) for r in reversed(reports)]
    pages = [
        [
            r["service_request_id"]
            for r in api_get(client, "/requests.json", page=n, page_size=2).json()
        ]
        for n in (1, 2, 3, 4)
    ]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:], []]


def test_jurisdiction_id_selects_a_bodys_requests(client, public_report):
    assert len(api_get(client, "/requests.json", jurisdiction_id="kongsvinger").json()) == 1
    assert api_get(client, "/requests.json", jurisdiction_id="eidskog").json() == []
    path = f"/requests/{public_report.pk}.json"
    assert api_get(client, path, jurisdiction_id="eidskog").status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_extensions_add_the_timeline_and_keep_the_array(
    client, public_report, kongsvinger_staff, kongsvinger_body, fmt
):
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body,
        text="Vi ser på saken.", new_state=State.ACKNOWLEDGED,
    )  # fmt: skip
    response = api_get(client, f"/requests.{fmt}", extensions="true")
    if fmt == "json":
        (record,) = response.json()
        assert record["extended_attributes"]["title"] == "Gatelyset er mørkt"
        assert record["extended_attributes"]["detailed_status"] == "action_scheduled"
        (note,) = record["notes"]
        assert note == {
            "datetime": note["datetime"], "type": "answer", "description": "Vi ser på saken.",
            "agency": "Kongsvinger kommune", "status": "action_scheduled",
        }  # fmt: skip
    else:
        request = xml_root(response).find("request")
        assert request.findtext("extended_attributes/title") == "Gatelyset er mørkt"
        assert request.findtext("notes/note/description") == "Vi ser på saken."


def test_the_media_url_is_the_first_photo(client, citizen, kongsvinger_category, jpeg_upload):
    from torget.lib import images

    reporter = actions.Reporter(user=citizen, email=citizen.email)
    report = actions.submit_report(
        reporter=reporter, category=kongsvinger_category, lat=KONGSVINGER_CENTRE[0],
        lon=KONGSVINGER_CENTRE[1], title="Mørkt", detail="", show_name=False,
        photos=[images.check_upload(jpeg_upload())],
    )  # fmt: skip
    make_photos_ready()
    (record,) = api_get(client, f"/requests/{report.pk}.json").json()
    assert record["media_url"].startswith("http")
    assert "/photos/" in record["media_url"]


def test_a_page_costs_the_same_queries_whatever_its_size(
    client,
    citizen,
    kongsvinger_category,
    kongsvinger_staff,
    kongsvinger_body,
    django_assert_max_num_queries,
):
    """Bodies, photos, answers and the timeline come in a fixed number of queries."""
    for report in make_reports(citizen, kongsvinger_category, 12):
        actions.add_update(report=report, author=citizen, text="Fortsatt.", photos=[])
        actions.answer_as_body(
            report=report, staff=kongsvinger_staff, body=kongsvinger_body, text="Ok."
        )
    with django_assert_max_num_queries(8):
        response = client.get("/open311/v2/requests.json", {"extensions": "true"})
    assert len(response.json()) == 12
    with django_assert_max_num_queries(8):
        client.get("/open311/v2/requests.xml")


def test_updates_feed_lists_public_timeline_entries(
    client, public_report, kongsvinger_staff, kongsvinger_body
):
    update = actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body,
        text="Planlagt neste uke.", new_state=State.PLANNED,
    )  # fmt: skip
    Update.objects.create(report=public_report, text="Skjult", hidden=True)
    (record,) = api_get(client, "/servicerequestupdates.json").json()
    assert record == {
        "update_id": str(update.pk), "service_request_id": str(public_report.pk),
        "status": "planned", "updated_datetime": record["updated_datetime"],
        "description": "Planlagt neste uke.", "media_url": None,
    }  # fmt: skip
    root = xml_root(api_get(client, "/servicerequestupdates.xml", api_key="anything"))
    assert root.tag == "service_request_updates"
    assert root.findtext("request_update/update_id") == str(update.pk)
