"""The GeoReport v2 client against the local Open311 server, and its reading of the quirks
real servers have (shared reference open311.md §4–§5)."""

import datetime
import socket

import pytest

from tests.delivery.open311_fixtures import *  # noqa: F403  (the fixtures)
from torget.delivery.open311_client import (
    Endpoint,
    Open311Client,
    Open311Error,
    attribute_fields,
    flag,
    parse_document,
    parse_w3c,
    text,
)

FORMATS = ["xml", "json"]
REQUEST = {
    "service_code": "GATELYS",
    "lat": "60.190500",
    "long": "11.997700",
    "description": "Gatelyset er mørkt",
}


def client_for(server, fmt="xml", api_key=None, jurisdiction="kongsvinger.kommune.no"):
    key = server.api_key if api_key is None else api_key
    return Open311Client(Endpoint(server.url, api_key=key, jurisdiction=jurisdiction, format=fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_posts_a_request_and_reads_the_id(open311_server, fmt):
    answer = client_for(open311_server, fmt).post_request(REQUEST)

    assert answer.service_request_id == open311_server.created[0].id
    assert answer.token == ""
    assert open311_server.posts()[0].path == f"/open311/v2/requests.{fmt}"


def test_the_api_key_and_jurisdiction_go_in_the_form_body(open311_server):
    client_for(open311_server).post_request(REQUEST)

    post = open311_server.posts()[0]
    assert post.form["api_key"] == [open311_server.api_key]
    assert post.form["jurisdiction_id"] == ["kongsvinger.kommune.no"]
    assert post.form["description"] == ["Gatelyset er mørkt"]
    assert post.query == {}


def test_gets_carry_the_jurisdiction_but_not_the_key(open311_server):
    client_for(open311_server).services()

    get = open311_server.received[0]
    assert get.query == {"jurisdiction_id": ["kongsvinger.kommune.no"]}


def test_attributes_are_sent_in_the_specs_form(open311_server):
    fields = {**REQUEST, **attribute_fields({"DEPTH": "2", "SIDES": ["N", "E"]})}

    client_for(open311_server).post_request(fields)

    form = open311_server.posts()[0].form
    assert form["attribute[DEPTH]"] == ["2"]
    assert form["attribute[SIDES][]"] == ["N", "E"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_answer_is_read_and_traded_for_an_id_once_the_server_has_one(open311_server, fmt):
    open311_server.token_polls = 2
    client = client_for(open311_server, fmt)

    answer = client.post_request(REQUEST)

    assert answer.service_request_id == ""
    assert answer.token == open311_server.created[0].token
    assert client.service_request_id_for(answer.token) == ""
    assert client.service_request_id_for(answer.token) == open311_server.created[0].id


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_lists_the_services(open311_server, fmt):
    services = client_for(open311_server, fmt).services()

    assert [text(s, "service_code") for s in services] == ["GATELYS", "001"]
    assert [flag(s, "metadata") for s in services] == [False, False]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_a_permanent_error_with_the_servers_words(open311_server, fmt):
    with pytest.raises(Open311Error) as raised:
        client_for(open311_server, fmt).post_request({**REQUEST, "service_code": "NOPE"})

    assert raised.value.permanent
    assert raised.value.status == 400
    assert "Service code NOPE is not known (400)" in str(raised.value)


def test_a_wrong_api_key_is_a_permanent_error(open311_server):
    with pytest.raises(Open311Error) as raised:
        client_for(open311_server, api_key="feil").post_request(REQUEST)

    assert raised.value.permanent
    assert "Invalid api_key received" in str(raised.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_500_is_a_temporary_error(open311_server, fmt):
    open311_server.fail("500")

    with pytest.raises(Open311Error) as raised:
        client_for(open311_server, fmt).post_request(REQUEST)

    assert not raised.value.permanent
    assert raised.value.status == 500
    assert open311_server.created == []


def test_a_server_that_hangs_is_a_temporary_error(open311_server):
    open311_server.fail("timeout")

    with pytest.raises(Open311Error) as raised:
        client_for(open311_server).post_request(REQUEST)

    assert not raised.value.permanent
    assert "timed out" in str(raised.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_malformed_answer_is_a_temporary_error(open311_server, fmt):
    open311_server.fail("malformed")

    with pytest.raises(Open311Error) as raised:
        client_for(open311_server, fmt).services()

    assert not raised.value.permanent
    assert "unreadable answer" in str(raised.value)


def test_a_server_that_is_not_there_is_a_temporary_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Open311Client(Endpoint(f"http://127.0.0.1:{port}/open311/v2/"), timeout=1)

    with pytest.raises(Open311Error) as raised:
        client.services()

    assert not raised.value.permanent


def test_a_permanent_400_mode_refuses_every_post(open311_server):
    open311_server.mode = "permanent400"

    with pytest.raises(Open311Error) as raised:
        client_for(open311_server).post_request(REQUEST)

    assert raised.value.permanent


def test_a_redirect_is_not_followed_but_reported(open311_server):
    client = Open311Client(Endpoint(open311_server.url.replace("/v2/", "/v1/")))
    open311_server.redirect_from = "/open311/v1/"

    with pytest.raises(Open311Error) as raised:
        client.post_request(REQUEST)

    assert raised.value.permanent
    assert "redirects to" in str(raised.value)
    assert open311_server.created == []


# Reading what real servers send.


def test_the_root_element_its_attributes_and_namespaces_are_ignored():
    document = b"""<services xmlns:m="http://org/sfgov/sf311v2/services" is_array="true">
      <service><service_code>001</service_code><metadata>false</metadata><keywords/>
      <service_name>Cans_Left_Out_24x7</service_name></service></services>"""

    (service,) = parse_document(document, "text/xml")

    assert service == {
        "service_code": "001",
        "metadata": "false",
        "keywords": None,
        "service_name": "Cans_Left_Out_24x7",
    }


def test_a_lone_json_object_is_read_as_a_list_of_one():
    assert parse_document(b'{"service_request_id": "7"}', "application/json") == [
        {"service_request_id": "7"}
    ]


def test_a_json_list_wrapped_in_an_object_is_unwrapped():
    document = b'{"service_requests": [{"service_request_id": 1}, {"service_request_id": 2}]}'

    assert [text(i, "service_request_id") for i in parse_document(document, "")] == ["1", "2"]


def test_numeric_ids_and_true_strings_are_accepted():
    document = b'[{"service_code": 7, "metadata": "true", "id": 12.0, "open": "false"}]'

    (item,) = parse_document(document, "application/json; charset=utf-8")

    assert (text(item, "service_code"), text(item, "id")) == ("7", "12")
    assert flag(item, "metadata") is True
    assert flag(item, "open") is False


def test_a_lone_attribute_is_still_a_list():
    document = b"""<service_definition><service_code>001</service_code><attributes>
      <attribute><code>DEPTH</code><values><value><key>1</key><name>Grunt</name></value>
      </values></attribute></attributes></service_definition>"""

    (definition,) = parse_document(document, "application/xml")

    assert definition["attributes"][0]["values"] == [{"key": "1", "name": "Grunt"}]


def test_the_format_is_recognised_without_a_content_type():
    assert parse_document(b' [{"token": "1"}]') == [{"token": "1"}]
    assert parse_document(
        b"<service_requests><request><token>1</token></request></service_requests>"
    ) == [{"token": "1"}]


def test_a_doctype_is_refused_so_entities_are_never_expanded():
    document = b"""<?xml version="1.0"?>
    <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
    <services><service><service_code>&lol2;</service_code></service></services>"""

    with pytest.raises(ValueError, match="DOCTYPE"):
        parse_document(document, "text/xml")


def test_errors_in_bare_text_are_read():
    items = parse_document(b"<errors><error>Something went wrong</error></errors>")

    assert text(items[0], "") == "Something went wrong"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)),
        ("2024-05-01T12:00:00.000+02:00", datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)),
        ("2024-05-01T12:00:00 02:00", datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)),
        ("2024-05-01T10:00:00", datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)),
        ("", None),
        ("yesterday", None),
    ],
)
def test_dates_are_read_as_servers_write_them(value, expected):
    assert parse_w3c(value) == expected
