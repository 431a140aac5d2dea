"""Discovery, the service list and service definitions, in XML and JSON."""

import pytest

from tests.open311.conftest import api_get, xml_root
from torget.reports.models import Category


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery_names_the_endpoint_and_both_formats(client, db, fmt):
    """Discovery is an object with one production endpoint offering XML and JSON."""
    response = api_get(client, f"/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        endpoint = response.json()["endpoints"][0]
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["url"].endswith("/open311/v2")
    else:
        root = xml_root(response)
        assert root.tag == "discovery"
        formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
        assert formats == ["text/xml", "application/json"]


def test_services_json_is_an_array_with_codes_as_strings(client, kongsvinger_category, questions):
    """Each active category is a service; codes are strings and metadata a boolean."""
    response = api_get(client, "/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    (service,) = response.json()
    assert service["service_code"] == str(kongsvinger_category.pk)
    assert service["service_name"] == "Gatelys"
    assert service["metadata"] is True
    assert service["type"] == "batch"
    assert service["group"] is None
    assert service["jurisdiction_id"] == "kongsvinger"


def test_services_xml_has_every_field_even_empty(client, kongsvinger_category):
    """XML uses services/service, and fields without a value are empty elements."""
    root = xml_root(api_get(client, "/services.xml"))
    assert root.tag == "services"
    (service,) = root.findall("service")
    assert service.findtext("service_code") == str(kongsvinger_category.pk)
    assert service.findtext("metadata") == "false"
    assert service.find("group") is not None and service.findtext("group") == ""


def test_services_leave_out_inactive_categories(client, kongsvinger_category, eidskog_category):
    eidskog_category.active = False
    eidskog_category.save(update_fields=["active"])
    codes = [s["service_code"] for s in api_get(client, "/services.json").json()]
    assert codes == [str(kongsvinger_category.pk)]


def test_jurisdiction_id_selects_one_body(client, kongsvinger_category, eidskog_category):
    """jurisdiction_id is a body's slug; only its categories are listed."""
    response = api_get(client, "/services.json", jurisdiction_id="eidskog")
    assert [s["service_code"] for s in response.json()] == [str(eidskog_category.pk)]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_jurisdiction_is_a_404(client, kongsvinger_category, fmt):
    response = api_get(client, f"/services.{fmt}", jurisdiction_id="atlantis")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json()[0]["code"] == 404
    else:
        assert xml_root(response).findtext("error/code") == "404"


def test_the_definition_lists_the_questions_in_order(client, kongsvinger_category, questions):
    """Attributes carry datatype, required, order and values with string keys."""
    response = api_get(client, f"/services/{kongsvinger_category.pk}.json")
    definition = response.json()
    assert definition["service_code"] == str(kongsvinger_category.pk)
    pole, sides, since = definition["attributes"]
    assert pole["code"] == "POLE" and pole["required"] is True and pole["variable"] is True
    assert pole["values"] == [{"key": "wood", "name": "Tre"}, {"key": "steel", "name": "Stål"}]
    assert sides["datatype"] == "multivaluelist" and sides["required"] is False
    assert since["datatype"] == "datetime" and since["values"] == []
    assert since["datatype_description"] is None


def test_the_definition_in_xml(client, kongsvinger_category, questions):
    root = xml_root(api_get(client, f"/services/{kongsvinger_category.pk}.xml"))
    assert root.tag == "service_definition"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["POLE", "SIDES", "since"]
    assert [v.findtext("key") for v in attributes[0].findall("values/value")] == ["wood", "steel"]


def test_a_category_without_questions_has_an_empty_definition(client, kongsvinger_category):
    response = api_get(client, f"/services/{kongsvinger_category.pk}.json")
    assert response.json()["attributes"] == []


@pytest.mark.parametrize("code", ["999999", "gatelys", "1.5", "٣"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_service_code_is_a_404(client, kongsvinger_category, code, fmt):
    response = api_get(client, f"/services/{code}.{fmt}")
    assert response.status_code == 404


def test_a_service_of_another_jurisdiction_is_a_404(client, kongsvinger_category):
    path = f"/services/{kongsvinger_category.pk}.json"
    assert api_get(client, path, jurisdiction_id="eidskog").status_code == 404


def test_service_names_follow_the_language(client, kongsvinger_category):
    response = client.get("/open311/v2/services.json", headers={"accept-language": "en"})
    assert response.json()[0]["service_name"] == "Street lights"


def test_the_service_list_is_cached_briefly(
    client, kongsvinger_category, django_assert_num_queries
):
    """Building the list for every body on every call is what the cache saves: the one query
    left is the GET limit's counter (torget.limits)."""
    api_get(client, "/services.json")
    with django_assert_num_queries(1):
        api_get(client, "/services.json")
    Category.objects.filter(pk=kongsvinger_category.pk).update(name_nb="Gatelys og lamper")
