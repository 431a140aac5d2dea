"""Shared fixtures: real data paths and the cast of people the tests speak about."""

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
    """All 357 municipalities imported, each with its kommune body."""
    from torget.places.actions import apply_area_import, plan_area_import

    apply_area_import(plan_area_import(kommune_features, kind="kommune"), create_bodies=True)
