"""`torget import-areas`: dry runs, idempotence, generations and clear errors."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import KOMMUNER_2024, KONGSVINGER_GEOJSON
from torget.places.models import Area, Body

pytestmark = pytest.mark.django_db

KOMMUNE_ARGS = ["--kind", "kommune", "--code-field", "kommunenummer", "--name-field", "kommunenavn"]


def run_import(source, *extra):
    out, err = StringIO(), StringIO()
    call_command("import_areas", str(source), *KOMMUNE_ARGS, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_geojson(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(code="9999", name="Testby", coordinates=None, geometry_type="Polygon"):
    ring = coordinates or [[10.0, 60.0], [10.1, 60.0], [10.1, 60.1], [10.0, 60.1], [10.0, 60.0]]
    return {
        "type": "Feature",
        "properties": {"kommunenummer": code, "kommunenavn": name},
        "geometry": {"type": geometry_type, "coordinates": [ring]},
    }


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing():
    out, _ = run_import(KOMMUNER_2024)
    assert "357 would be created" in out
    assert "Dry run" in out
    assert Area.objects.count() == 0


def test_commit_imports_all_357_municipalities_with_a_progress_bar():
    out, err = run_import(KOMMUNER_2024, "--commit")
    assert "357 created" in out
    assert Area.objects.filter(kind="kommune").count() == 357
    assert "Reading areas" in err and "357/357" in err


def test_running_it_twice_changes_nothing():
    run_import(KOMMUNER_2024, "--commit", "--create-bodies")
    before = list(Area.objects.values_list("id", "updated_at"))
    out, _ = run_import(KOMMUNER_2024, "--commit", "--create-bodies")
    assert "357 unchanged" in out
    assert "0 created" in out
    assert list(Area.objects.values_list("id", "updated_at")) == before
    assert Body.objects.count() == 357


def test_municipalities_with_the_same_name_are_kept_apart_by_code():
    run_import(KOMMUNER_2024, "--commit", "--create-bodies")
    assert sorted(Area.objects.filter(name="Herøy").values_list("code", flat=True)) == [
        "1515",
        "1818",
    ]
    assert sorted(Area.objects.filter(name="Våler").values_list("code", flat=True)) == [
        "3114",
        "3419",
    ]
    slugs = set(Body.objects.filter(name="Herøy kommune").values_list("slug", flat=True))
    assert len(slugs) == 2


def test_body_slugs_transliterate_norwegian_letters():
    run_import(KOMMUNER_2024, "--commit", "--create-bodies")
    assert Body.objects.get(areas__code="5501").slug == "tromso"
    assert Body.objects.get(areas__code="3401").slug == "kongsvinger"


def test_a_changed_boundary_starts_a_new_generation_that_keeps_its_bodies(tmp_path):
    run_import(KONGSVINGER_GEOJSON, "--commit", "--create-bodies")
    old = Area.objects.get(code="3401")
    original = json.loads(KONGSVINGER_GEOJSON.read_text())
    moved = original["features"][0]
    ring = moved["geometry"]["coordinates"][0]
    moved["geometry"]["coordinates"][0] = [[x + 0.001, y] for x, y in ring]
    path = write_geojson(tmp_path, [moved])

    out, _ = run_import(path, "--commit", "--valid-from", "2027-01-01")

    assert "1 given a new boundary" in out
    old.refresh_from_db()
    assert old.valid_to == datetime.date(2026, 12, 31)
    new = Area.objects.get(code="3401", valid_from=datetime.date(2027, 1, 1))
    assert new.valid_to is None
    assert list(new.bodies.all()) == list(old.bodies.all())


def test_a_new_name_with_the_same_boundary_renames_in_place(tmp_path):
    run_import(KONGSVINGER_GEOJSON, "--commit")
    renamed = json.loads(KONGSVINGER_GEOJSON.read_text())["features"][0]
    renamed["properties"]["kommunenavn"] = "Kongsvinger by"
    out, _ = run_import(write_geojson(tmp_path, [renamed]), "--commit")
    assert "1 renamed" in out
    assert list(Area.objects.values_list("name", flat=True)) == ["Kongsvinger by"]


def test_a_file_that_is_not_json_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("kommunenummer;kommunenavn\n3401;Kongsvinger\n")
    with pytest.raises(CommandError, match=r"notes\.txt is not GeoJSON: it is not valid JSON"):
        run_import(path)


def test_json_that_is_not_a_feature_collection_is_refused(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(CommandError, match="expected a FeatureCollection or a Feature"):
        run_import(path)


def test_a_missing_file_is_refused():
    with pytest.raises(CommandError, match="no such file"):
        run_import("/nonexistent/kommuner.geojson")


def test_a_missing_property_names_the_feature_and_the_field(tmp_path):
    broken = feature()
    del broken["properties"]["kommunenavn"]
    path = write_geojson(tmp_path, [feature(code="1111"), broken])
    with pytest.raises(CommandError, match=r"feature 2: property 'kommunenavn' is missing"):
        run_import(path)
    assert Area.objects.count() == 0


def test_a_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = [[10.0, 60.0], [10.1, 60.1], [10.1, 60.0], [10.0, 60.1], [10.0, 60.0]]
    path = write_geojson(tmp_path, [feature(coordinates=bowtie)])
    _, err = run_import(path, "--commit")
    assert "feature 1 (9999 Testby): invalid geometry (Self-intersection" in err
    assert "repaired" in err
    area = Area.objects.get()
    assert area.geometry.is_valid
    assert area.geometry.area > 0


def test_reject_invalid_refuses_a_self_intersecting_polygon(tmp_path):
    bowtie = [[10.0, 60.0], [10.1, 60.1], [10.1, 60.0], [10.0, 60.1], [10.0, 60.0]]
    path = write_geojson(tmp_path, [feature(coordinates=bowtie)])
    with pytest.raises(CommandError, match=r"feature 1 \(9999 Testby\): invalid geometry"):
        run_import(path, "--commit", "--reject-invalid")
    assert Area.objects.count() == 0


def test_projected_coordinates_are_refused_as_not_wgs84(tmp_path):
    utm = [[270000, 6650000], [280000, 6650000], [280000, 6660000], [270000, 6650000]]
    path = write_geojson(tmp_path, [feature(coordinates=utm)])
    with pytest.raises(CommandError, match="are not WGS84 longitude/latitude"):
        run_import(path, "--commit")


def test_a_point_is_refused_as_not_an_area(tmp_path):
    point = feature()
    point["geometry"] = {"type": "Point", "coordinates": [10.0, 60.0]}
    with pytest.raises(CommandError, match="expected a Polygon or MultiPolygon, found Point"):
        run_import(write_geojson(tmp_path, [point]))


def test_an_unreadable_geometry_is_refused(tmp_path):
    broken = feature()
    broken["geometry"] = {"type": "Polygon", "coordinates": "nonsense"}
    with pytest.raises(CommandError, match="feature 1 .* the geometry cannot be read"):
        run_import(write_geojson(tmp_path, [broken]))


def test_a_code_twice_in_one_file_is_refused(tmp_path):
    path = write_geojson(tmp_path, [feature(code="1111"), feature(code="1111")])
    with pytest.raises(CommandError, match="code 1111 appears twice"):
        run_import(path)


@pytest.fixture
def geojson_server():
    body = KONGSVINGER_GEOJSON.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/kongsvinger.geojson":
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_it_imports_from_a_url(geojson_server):
    out, _ = run_import(f"{geojson_server}/kongsvinger.geojson", "--commit")
    assert "1 created" in out
    assert Area.objects.get().code == "3401"


def test_a_url_that_fails_is_a_clear_error(geojson_server):
    with pytest.raises(CommandError, match="Could not download .*404"):
        run_import(f"{geojson_server}/missing.geojson")
