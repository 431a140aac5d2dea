"""Real clients against a live server: PyPI's georeport, a client that sends what FixMyStreet
sends, and schemathesis generating requests from the OpenAPI document."""

import time
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import KONGSVINGER_CENTRE
from tests.open311.conftest import jpeg
from torget.delivery.open311_client import safe_xml
from torget.open311 import openapi
from torget.open311.models import ApiKey, Submission
from torget.reports import actions
from torget.reports.models import Question, Report

# The elements that hold one item of a list: a client that parses XML must always make them
# lists, since a list of one looks like a single element.
LIST_ELEMENTS = {"service", "request", "attribute", "value", "error", "request_update"}


@pytest.fixture
def live(live_server, settings):
    settings.OPEN311_GETS_PER_MINUTE = 0
    return live_server.url + "/open311/v2"


@pytest.fixture
def scenery(public_report, questions):
    return public_report


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_everything(live, scenery, fmt):
    """georeport 0.3.1 reads services, a definition, requests and one request."""
    client = GeoReport(live, jurisdiction="kongsvinger", output_format=fmt)
    services = client.get_service_list()
    service = services[0] if isinstance(services, list) else services
    assert service["service_code"] == str(scenery.category_id)
    definition = client.get_service_definition(service["service_code"])
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["POLE", "SIDES", "since"]
    found = client.get_service_requests(status="open", service_code=service["service_code"])
    found = found if isinstance(found, list) else [found]
    assert [r["service_request_id"] for r in found] == [str(scenery.pk)]
    one = client.get_service_request(str(scenery.pk))
    assert one["service_request_id"] == str(scenery.pk)
    assert one["status"] == "open"
    assert float(one["lat"]) == KONGSVINGER_CENTRE[0]


def parse_xml(content: bytes) -> list[dict]:
    """What a careful XML client does: ignore the root's name, make list elements lists."""
    root = safe_xml(content)
    return [element_dict(child) for child in root]


def element_dict(element: ET.Element) -> dict:
    result: dict = {}
    for child in element:
        value = element_dict(child) if len(child) else (child.text or "")
        if child.tag in LIST_ELEMENTS:
            result.setdefault(child.tag, []).append(value)
        else:
            result[child.tag] = value
    return result


def test_a_fixmystreet_shaped_client_files_and_follows_a_request(
    live, kongsvinger_category, questions, settings
):
    """Services and the definition in XML; a multipart POST with a photo, the key in the
    body, a list attribute as repeated keys; token polling until the reporter confirms; then
    the request is in GET requests."""
    ApiKey.objects.create(name="FixMyStreet", key="fms-key")
    settings.OPEN311_POSTS_PER_HOUR = 1000
    services = parse_xml(requests.get(f"{live}/services.xml", timeout=10).content)
    code = services[0]["service_code"]
    assert services[0]["metadata"] == "true"
    definition = safe_xml(requests.get(f"{live}/services/{code}.xml", timeout=10).content)
    codes = [a.findtext("code") for a in definition.iter("attribute")]
    assert codes == ["POLE", "SIDES", "since"]

    lat, lon = KONGSVINGER_CENTRE
    fields = [
        ("api_key", "fms-key"),
        ("service_code", code),
        ("lat", str(lat)),
        ("long", str(lon)),
        ("email", "fms-user@example.org"),
        ("first_name", "Fiona"),
        ("last_name", "Street"),
        ("description", "Street light out: The lamp by the school is dark."),
        ("attribute[POLE]", "wood"),
        ("attribute[SIDES]", "N"),
        ("attribute[SIDES]", "S"),
    ]
    photo = jpeg("photo1.jpg")
    files = {"photo1": ("photo1.jpg", photo.read(), "image/jpeg")}
    response = requests.post(f"{live}/requests.xml", data=fields, files=files, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    (answer,) = parse_xml(response.content)
    token = answer["token"]
    assert "service_request_id" not in answer

    def poll() -> str:
        (polled,) = parse_xml(requests.get(f"{live}/tokens/{token}.xml", timeout=10).content)
        return polled.get("service_request_id", "")

    assert poll() == ""
    submission = Submission.objects.get(token=token)
    assert submission.report.answers == {"POLE": "wood", "SIDES": ["N", "S"]}
    actions.confirm_report(report=submission.report)
    request_id = ""
    for _ in range(5):
        request_id = poll()
        if request_id:
            break
        time.sleep(0.1)
    assert request_id == str(submission.report_id)
    assert Report.objects.get(pk=request_id).photos.count() == 1

    listed = parse_xml(
        requests.get(f"{live}/requests.xml", {"service_request_id": request_id}, timeout=10).content
    )
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert listed[0]["media_url"].endswith(".jpg")


def test_the_key_may_be_in_the_query_string_of_a_post(live, kongsvinger_category):
    """As the open311 1.1 package sends it."""
    ApiKey.objects.create(name="Old client", key="old-key", trusted=True)
    lat, lon = KONGSVINGER_CENTRE
    data = {"service_code": str(kongsvinger_category.pk), "lat": lat, "long": lon}
    data |= {"email": "old@example.org", "description": "Mørkt"}
    response = requests.post(
        f"{live}/requests.json?api_key=old-key&jurisdiction_id=kongsvinger", data=data, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.json()[0]["service_request_id"]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, scenery, settings):
    """Requests generated from the OpenAPI document, valid and invalid, against a live server.

    Positive data acceptance is left out: some rules cannot be written in OpenAPI (lat, long
    and radius come together; end_date is after start_date; a POST needs a known key), so
    schema-valid requests may rightly get a 400.
    """
    settings.OPEN311_GETS_PER_MINUTE = 0
    ApiKey.objects.create(name="Fuzzer", key="fuzz", trusted=False)
    Question.objects.filter(code="POLE").update(required=False)
    schema = from_dict(openapi.document())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=8,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            def check(case) -> None:
                case.call_and_validate(
                    base_url=live_server.url, excluded_checks=[positive_data_acceptance]
                )

            try:
                check()
            except Unsatisfiable:
                # Nothing to make invalid: discovery takes no parameters.
                assert mode == GenerationMode.NEGATIVE and not operation.query
            except Exception as error:  # collected and shown together below
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
