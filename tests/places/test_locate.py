"""`torget locate LAT LON` over the 357 municipalities of 2024."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import KONGSVINGER_GEOJSON

pytestmark = pytest.mark.django_db


def locate(lat, lon):
    out = StringIO()
    call_command("locate", str(lat), str(lon), stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("place", "lat", "lon", "code"),
    [
        ("Kongsvinger centre", 60.1905, 11.9977, "3401"),
        ("central Oslo", 59.9127, 10.7461, "0301"),
        ("Bergen", 60.3913, 5.3221, "4601"),
        ("Tromsø", 69.6496, 18.9560, "5501"),
        ("Herøy in Møre og Romsdal", 62.3236, 5.6519, "1515"),
        ("Herøy in Nordland", 65.9938, 12.3123, "1818"),
        ("Våler in Østfold", 59.4866, 10.8655, "3114"),
        ("Våler in Innlandet", 60.6710, 11.8290, "3419"),
    ],
)
def test_it_names_the_municipality_and_its_body(kommuner, place, lat, lon, code):
    lines = locate(lat, lon)
    kommune_lines = [line for line in lines if line[0] == "kommune"]
    assert [line[1] for line in kommune_lines] == [code], place
    bodies = [line for line in lines if line[0] == "body"]
    assert len(bodies) == 1
    assert bodies[0][2] == f"{kommune_lines[0][2]} kommune"


def test_a_point_in_the_north_sea_is_outside_any_area(kommuner):
    with pytest.raises(CommandError, match=r"57\.5, 3\.0 is outside any area") as caught:
        locate(57.5, 3.0)
    assert caught.value.returncode == 1


def test_an_impossible_position_is_refused(kommuner):
    with pytest.raises(CommandError, match="is not a position"):
        locate(95, 11)


def test_the_command_line_prints_areas_and_exits_with_status_1_outside_them(tmp_path):
    """End to end through `python -m torget`, on a database of its own."""
    env = {
        **os.environ,
        "TORGET_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "TORGET_DATA_DIR": str(tmp_path),
    }

    def torget(*args):
        command = [sys.executable, "-m", "torget", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False, env=env)

    assert torget("migrate", "--verbosity", "0").returncode == 0
    imported = torget(
        "import-areas",
        str(KONGSVINGER_GEOJSON),
        "--kind",
        "kommune",
        "--code-field",
        "kommunenummer",
        "--name-field",
        "kommunenavn",
        "--commit",
    )
    assert imported.returncode == 0, imported.stderr

    inside = torget("locate", "60.1905", "11.9977")
    assert inside.returncode == 0
    assert inside.stdout.startswith("kommune\t3401\tKongsvinger")

    outside = torget("locate", "57.5", "3.0")
    assert outside.returncode == 1
    assert "outside any area" in outside.stderr
