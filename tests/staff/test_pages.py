"""The workspace's pages keep to the site's rules: the base template, no inline script or
style (the CSP forbids them), every form field labelled."""

import re

import pytest
from django.urls import reverse

from torget.staff.models import Priority, ResponseTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(public_report, kongsvinger):
    template = ResponseTemplate.objects.create(body=kongsvinger, title="Mal", text_nb="Hei")
    priority = Priority.objects.create(body=kongsvinger, name="Akutt")
    slug = kongsvinger.slug
    return [
        reverse("staff:inbox"),
        reverse("staff:inbox") + "?body=kongsvinger",
        reverse("staff:report", args=[public_report.pk]),
        reverse("staff:templates", args=[slug]),
        reverse("staff:new_template", args=[slug]),
        reverse("staff:edit_template", args=[slug, template.pk]),
        reverse("staff:priorities", args=[slug]),
        reverse("staff:new_priority", args=[slug]),
        reverse("staff:edit_priority", args=[slug, priority.pk]),
        reverse("staff:body_log", args=[slug]),
    ]


def test_no_inline_script_or_style_and_every_field_labelled(client, manager, pages):
    client.force_login(manager)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert "Content-Security-Policy" in response.headers
        assert " style=" not in html, url
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
        assert 'class="skip-link"' in html, url  # the site's base template
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag or "aria-label" in tag:
                continue
            field_id = re.search(r'\bid="([^"]+)"', tag)
            assert field_id and f'for="{field_id.group(1)}"' in html, (url, tag)
