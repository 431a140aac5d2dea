"""The cast for the privacy tests: Kari, whose data it is, with something of every kind
(a report with her name, phone and a photo, an update with a photo on Ola's report, a
problem she has too, an alert, an unconfirmed report, sign-ins, e-mails); Ola, whose data
must never show up in hers; and the bodies and staff from the report tests."""

import io
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import KONGSVINGER_CENTRE, make_photos_ready
from tests.reports.conftest import (  # noqa: F401  (fixtures)
    eidskog_body,
    eidskog_category,
    eidskog_staff,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
)
from torget.accounts.models import User
from torget.alerts import actions as alert_actions
from torget.alerts.models import SubscriptionKind
from torget.lib import images
from torget.reports import actions
from torget.reports.models import Category, Report, Update

# Words found nowhere else in the test data, so a scan for them finds only Kari.
KARI_EMAIL = "kari.slettemo@example.org"
KARI_NAME = "Kari Slettemo"
KARI_PHONE = "+47 413 57 986"
KARI_PASSWORD = "correct horse battery"
OLA_EMAIL = "ola.bliverhos@example.org"
OLA_TITLE = "Ola sin velt"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def photo(colour: str = "red") -> images.CheckedUpload:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    upload = SimpleUploadedFile("bilde.jpg", buffer.getvalue(), content_type="image/jpeg")
    return images.check_upload(upload)


def report_by(
    user: User | None,
    category: Category,
    *,
    title: str,
    email: str = "",
    name: str = "",
    phone: str = "",
    show_name: bool = False,
    photos: int = 0,
) -> Report:
    lat, lon = KONGSVINGER_CENTRE
    return actions.submit_report(
        reporter=actions.Reporter(
            user=user, email=email or (user.email if user else ""), name=name, phone=phone
        ),
        category=category,
        lat=lat,
        lon=lon,
        title=title,
        detail="Det står i veien for alle.",
        show_name=show_name,
        photos=[photo() for _ in range(photos)],
        address="Rådhusplassen 1, Kongsvinger",
    )


@dataclass
class Kari:
    user: User
    report: Report  # public, in Kongsvinger, with her name shown, her phone and a photo
    eidskog_report: Report  # public, in Eidskog
    unconfirmed: Report
    update: Update  # on Ola's report, with her name shown and a photo
    ola: User
    olas_report: Report


@pytest.fixture
def kari(django_user_model, kongsvinger_category, eidskog_category) -> Kari:  # noqa: F811
    user = django_user_model.objects.create_user(
        KARI_EMAIL, KARI_PASSWORD, name=KARI_NAME, phone=KARI_PHONE, email_verified=True
    )
    ola = django_user_model.objects.create_user(
        OLA_EMAIL, "another good password", name="Ola Bliverhos", phone="+47 900 11 222"
    )
    olas_report = report_by(ola, kongsvinger_category, title=OLA_TITLE, photos=1)
    report = report_by(
        user,
        kongsvinger_category,
        title="Gatelyset er mørkt",
        name=KARI_NAME,
        phone=KARI_PHONE,
        show_name=True,
        photos=1,
    )
    eidskog_report = report_by(user, eidskog_category, title="Hull ved grensa", phone=KARI_PHONE)
    unconfirmed = report_by(
        None, kongsvinger_category, title="Søppel i bekken", email=KARI_EMAIL, name=KARI_NAME
    )
    update = actions.add_update(
        report=olas_report,
        author=user,
        text="Jeg har sett det samme.",
        photos=[photo("blue")],
        show_name=True,
    )
    actions.add_support(report=olas_report, user=user)
    alert_actions.subscribe(
        user=user,
        target=alert_actions.Target(
            kind=SubscriptionKind.RADIUS,
            lat=KONGSVINGER_CENTRE[0],
            lon=KONGSVINGER_CENTRE[1],
            radius=500,
            label="Rådhusplassen 1",
        ),
    )
    make_photos_ready()
    return Kari(user, report, eidskog_report, unconfirmed, update, ola, olas_report)
