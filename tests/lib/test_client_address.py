"""Rate limits count per client address, and behind proxies that address comes from
X-Forwarded-For: only as many entries from its end as there are trusted proxies."""

import pytest
from django.test import RequestFactory

from torget.lib.ratelimit import client_address


def request_from(remote: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_last_entry_is_the_client(settings):
    settings.TRUSTED_PROXIES = 1
    request = request_from("10.0.0.2", "198.51.100.66, 192.0.2.10")
    assert client_address(request) == "192.0.2.10"


def test_behind_two_proxies_the_entry_before_the_nearest_proxy_is_the_client(settings):
    settings.TRUSTED_PROXIES = 2
    request = request_from("10.0.0.2", "1.2.3.4, 192.0.2.10, 10.0.0.1")
    assert client_address(request) == "192.0.2.10"


@pytest.mark.parametrize("forwarded", [None, "", " , "])
def test_a_missing_or_empty_header_falls_back_to_the_remote_address(settings, forwarded):
    settings.TRUSTED_PROXIES = 1
    assert client_address(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


def test_an_invented_entry_on_the_left_does_not_escape_the_limit(settings, client, db):
    """A client that sends its own X-Forwarded-For still counts as the address the proxy saw."""
    settings.TRUSTED_PROXIES = 1
    invented = request_from("10.0.0.2", "6.6.6.6, 192.0.2.10")
    honest = request_from("10.0.0.2", "192.0.2.10")
    assert client_address(invented) == client_address(honest)
