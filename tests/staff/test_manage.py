"""Managers run the body's response templates and priorities; other roles may not."""

import pytest
from django.urls import reverse

from torget.staff import actions
from torget.staff.models import Priority, ResponseTemplate

pytestmark = pytest.mark.django_db


def test_a_manager_makes_a_template(client, manager, kongsvinger, streetlights):
    client.force_login(manager)
    response = client.post(
        reverse("staff:new_template", args=[kongsvinger.slug]),
        {
            "title": "Mottatt",
            "category": streetlights.pk,
            "text_nb": "Melding {number} om {category} er mottatt.",
            "text_nn": "Melding {number} om {category} er motteken.",
            "new_state": "acknowledged",
            "active": "on",
        },
    )
    assert response.status_code == 302
    template = ResponseTemplate.objects.get()
    assert (template.body, template.category) == (kongsvinger, streetlights)


@pytest.mark.parametrize(
    "text", ["Hei {navn}", "Hei {number.__class__}", "Hei {number!r}", "Hei {", "{0}"]
)
def test_a_template_with_a_bad_placeholder_is_refused(client, manager, kongsvinger, text):
    client.force_login(manager)
    response = client.post(
        reverse("staff:new_template", args=[kongsvinger.slug]),
        {"title": "Feil", "text_nb": text, "active": "on"},
    )
    assert response.status_code == 400
    assert not ResponseTemplate.objects.exists()


def test_a_category_of_another_body_is_refused(client, manager, kongsvinger, eidskog_roads):
    client.force_login(manager)
    response = client.post(
        reverse("staff:new_template", args=[kongsvinger.slug]),
        {"title": "Vei", "category": eidskog_roads.pk, "text_nb": "Ok", "active": "on"},
    )
    assert response.status_code == 400


def test_a_handler_may_not_manage_templates(client, handler, kongsvinger):
    client.force_login(handler)
    assert client.get(reverse("staff:templates", args=[kongsvinger.slug])).status_code == 403


def test_a_manager_of_one_body_cannot_reach_anothers_template(
    client, manager, eidskog, kongsvinger
):
    theirs = ResponseTemplate.objects.create(body=eidskog, title="Deres", text_nb="Ok")
    client.force_login(manager)
    url = reverse("staff:edit_template", args=[kongsvinger.slug, theirs.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("staff:templates", args=[eidskog.slug])).status_code == 404


def test_a_manager_names_priorities_and_a_name_is_used_once(client, manager, kongsvinger):
    client.force_login(manager)
    url = reverse("staff:new_priority", args=[kongsvinger.slug])
    assert client.post(url, {"name": "Akutt", "position": 1}).status_code == 302
    assert client.post(url, {"name": "Akutt", "position": 2}).status_code == 400
    assert Priority.objects.filter(body=kongsvinger).count() == 1


def test_deleting_a_priority_keeps_the_history(
    client, manager, handler, kongsvinger, public_report
):
    urgent = Priority.objects.create(body=kongsvinger, name="Akutt")
    actions.set_priority(report=public_report, body=kongsvinger, by=handler, priority=urgent)
    client.force_login(manager)
    client.post(reverse("staff:delete_priority", args=[kongsvinger.slug, urgent.pk]))
    assert not Priority.objects.exists()
    client.force_login(handler)
    assert "Akutt" in client.get(reverse("staff:report", args=[public_report.pk])).text
