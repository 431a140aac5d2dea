"""Shared fixtures: real data paths and the cast of people the tests speak about."""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KOMMUNER_2024 = SHARED_DATA / "kommuner-2024.geojson"
KONGSVINGER_GEOJSON = SHARED_DATA / "kongsvinger-3401.geojson"
POSTCODES_2026 = SHARED_DATA / "postnummer-2026.json"

KONGSVINGER_CENTRE = (60.1905, 11.9977)


@pytest.fixture
def citizen(django_user_model):
    return django_user_model.objects.create_user(
        "kari@example.org", "correct horse battery", name="Kari Nordmann"
    )


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin@example.org", "admin password 42")


@pytest.fixture(scope="session")
def kommune_features():
    """The 357 municipalities of 2024, parsed once per test run."""
    from torget.places.geojson import load_source, parse_features, read_area_features

    raw = parse_features(load_source(str(KOMMUNER_2024)), str(KOMMUNER_2024))
    return list(read_area_features(raw, code_field="kommunenummer", name_field="kommunenavn"))


@pytest.fixture
def kommuner(db, kommune_features):
    """All 357 municipalities, each with its kommune body, as `import-areas --commit
    --create-bodies` leaves them, written in bulk because most tests need them as scenery."""
    from torget.lib.names import norwegian_slug
    from torget.places.lookup import forget_area_index
    from torget.places.models import Area, Body

    areas = []
    for feature in kommune_features:
        area = Area(name=feature.name, kind="kommune", code=feature.code)
        area.set_geometry(feature.geometry)
        areas.append(area)
    areas = Area.objects.bulk_create(areas)
    slugs = set()
    bodies = []
    for area in areas:
        slug = norwegian_slug(area.name)
        slug = f"{slug}-{area.code}" if slug in slugs else slug
        slugs.add(slug)
        bodies.append(Body(name=f"{area.name} kommune", slug=slug, kind="kommune"))
    bodies = Body.objects.bulk_create(bodies)
    Body.areas.through.objects.bulk_create(
        Body.areas.through(body_id=body.pk, area_id=area.pk)
        for body, area in zip(bodies, areas, strict=True)
    )
    forget_area_index()


def uses_the_test_database(item: pytest.Item) -> bool:
    """Whether a test reaches the database under test (pytest-django lets no other test in).

    The `django_db` marker requests the database at run time, so it does not show among the
    fixture names; `db`, `transactional_db`, `live_server` and the like all pull in
    `_django_db_helper`, which does.
    """
    return bool(item.get_closest_marker("django_db")) or "_django_db_helper" in getattr(
        item, "fixturenames", ()
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that use the database under test.

    `make test` runs the suite twice, on SQLite and then on PostgreSQL. A test that never
    touches the database under test (the import rules, the docs, settings read in a
    subprocess, tests that make a scratch database of each kind themselves) does exactly the
    same thing both times, so the second pass leaves it out and says how many it left.
    TORGET_TEST_EVERYTHING=1 runs them anyway.
    """
    url = os.environ.get("TORGET_DATABASE_URL", "")
    if not url.startswith("postgres") or os.environ.get("TORGET_TEST_EVERYTHING") == "1":
        return
    # Tests named on the command line one by one are run whatever they use.
    if all("::" in arg for arg in config.args):
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        (kept if uses_the_test_database(item) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture
def staff_client(client):
    """A client for staff: its force_login signs a staff member in as the staff pages ask
    (see torget/signin once it lands: both factors)."""
    return client


def make_photos_ready() -> None:
    """What the worker does once a report or update with photos has committed: each pending
    photo made ready (reports/photos.py). Tests whose transaction never commits call it."""
    from torget.reports.models import Photo
    from torget.reports.photos import make_ready

    for photo_id in Photo.objects.pending().values_list("pk", flat=True):
        make_ready(photo_id)
