"""API keys and extra questions are managed in the admin."""

import pytest

from torget.open311.models import ApiKey


@pytest.mark.parametrize("model", ["open311/apikey", "reports/question", "open311/submission"])
def test_the_admin_lists_and_adds(client, admin_user, model):
    """Extra questions are the categories' own (reports), asked on the web form as well."""
    client.force_login(admin_user)
    assert client.get(f"/admin/{model}/").status_code == 200
    if model != "open311/submission":
        assert client.get(f"/admin/{model}/add/").status_code == 200


def test_an_administrator_makes_a_key_for_a_client(client, admin_user, kongsvinger_body):
    """A new key comes filled in with a random value; the client may be trusted and limited
    to one body."""
    client.force_login(admin_user)
    page = client.get("/admin/open311/apikey/add/").content.decode()
    assert 'name="key"' in page and ApiKey().key != ApiKey().key
    data = {
        "name": "Glåmdalen",
        "key": ApiKey().key,
        "trusted": "on",
        "body": kongsvinger_body.pk,
        "posts_per_hour": 50,
        "active": "on",
    }
    response = client.post("/admin/open311/apikey/add/", data)
    assert response.status_code == 302, response.content[:2000]
    key = ApiKey.objects.get()
    assert key.trusted and key.body == kongsvinger_body and len(key.key) >= 30


def test_a_citizen_cannot_see_the_keys(client, citizen):
    client.force_login(citizen)
    assert client.get("/admin/open311/apikey/").status_code == 302
