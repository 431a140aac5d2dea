"""`torget import-postcodes`: a dry run by default, one transaction with --commit, idempotent,
and an error that names the entry and field at fault for each kind of bad input."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import POSTCODES_2026
from torget.places.models import Postcode

ALL_POSTCODES = 5121


def import_postcodes(source: str | Path, *args: str) -> str:
    out = StringIO()
    call_command("import_postcodes", str(source), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write_json(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "postcodes.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


class PostcodeFileHandler(BaseHTTPRequestHandler):
    """Serves the real postcode file at /postnummer.json and a server error anywhere else."""

    def do_GET(self) -> None:
        if self.path == "/postnummer.json":
            self.reply(200, POSTCODES_2026.read_bytes())
        else:
            self.reply(500, b"Internal Server Error")

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def file_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PostcodeFileHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_a_dry_run_writes_nothing():
    """Without --commit the command only says what it would do."""
    output = import_postcodes(POSTCODES_2026)
    assert f"{ALL_POSTCODES} new, 0 changed, 0 unchanged." in output
    assert "Dry run: nothing written" in output
    assert Postcode.objects.count() == 0


@pytest.mark.django_db
def test_commit_imports_every_postcode_in_the_real_file():
    """5,121 postcodes, codes with leading zeros kept as strings."""
    output = import_postcodes(POSTCODES_2026, "--commit")
    assert f"{ALL_POSTCODES} new, 0 changed, 0 unchanged: imported." in output
    assert Postcode.objects.count() == ALL_POSTCODES
    oslo = Postcode.objects.get(code="0010")
    assert (oslo.place, oslo.municipality_code) == ("Oslo", "0301")
    kongsvinger = Postcode.objects.get(code="2211")
    assert (kongsvinger.place, kongsvinger.municipality_code) == ("Kongsvinger", "3401")
    assert Postcode.objects.get(code="4420").place == "Åna-Sira"


@pytest.mark.django_db
def test_importing_twice_changes_nothing():
    """The second run finds every postcode unchanged and writes nothing."""
    import_postcodes(POSTCODES_2026, "--commit")
    before = list(Postcode.objects.values_list("code", "place", "municipality_code"))
    output = import_postcodes(POSTCODES_2026, "--commit")
    assert f"0 new, 0 changed, {ALL_POSTCODES} unchanged" in output
    assert list(Postcode.objects.values_list("code", "place", "municipality_code")) == before


@pytest.mark.django_db
def test_it_updates_a_changed_postcode_and_keeps_one_missing_from_the_file(tmp_path):
    """A new place or municipality is updated; a postcode not in the file is left alone."""
    Postcode.objects.create(code="2211", place="Kongsvinger", municipality_code="0402")
    Postcode.objects.create(code="9999", place="Retired", municipality_code="0301")
    source = write_json(
        tmp_path,
        [
            {"code": "2211", "place": "Kongsvinger", "id": "3401"},
            {"code": "0010", "place": "Oslo", "id": "0301"},
        ],
    )
    output = import_postcodes(source, "--commit")
    assert "1 new, 1 changed, 0 unchanged: imported." in output
    assert "1 in the database but not in the file, kept." in output
    assert Postcode.objects.get(code="2211").municipality_code == "3401"
    assert Postcode.objects.filter(code="9999").exists()


@pytest.mark.django_db
def test_it_imports_from_a_url(file_server):
    """An http(s) source is downloaded."""
    import_postcodes(f"{file_server}/postnummer.json", "--commit")
    assert Postcode.objects.count() == ALL_POSTCODES


@pytest.mark.django_db
def test_it_reports_a_failed_download(file_server):
    """A server error while downloading is a CommandError naming the URL."""
    with pytest.raises(CommandError, match=r"Could not download http://127\.0\.0\.1:\d+/gone"):
        import_postcodes(f"{file_server}/gone")


@pytest.mark.django_db
def test_it_reports_a_missing_file(tmp_path):
    """A path that does not exist is named."""
    with pytest.raises(CommandError, match="nowhere.json: no such file"):
        import_postcodes(tmp_path / "nowhere.json")


@pytest.mark.django_db
def test_it_reports_a_file_that_is_not_json(tmp_path):
    """Broken JSON is named as such, with where it broke."""
    path = tmp_path / "postcodes.json"
    path.write_text('[{"code": "0010",', encoding="utf-8")
    with pytest.raises(CommandError, match=r"postcodes\.json is not valid JSON \(.*line 1"):
        import_postcodes(path)


@pytest.mark.django_db
def test_it_reports_json_that_is_not_a_list(tmp_path):
    """The file must hold a list of postcodes."""
    path = write_json(tmp_path, {"postcodes": []})
    with pytest.raises(CommandError, match="should hold a JSON list of postcodes, found dict"):
        import_postcodes(path)


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["code", "place", "id"])
def test_it_names_the_entry_and_the_missing_field(tmp_path, missing):
    """Entries count from 1, as people count lines."""
    entry = {"code": "0015", "place": "Oslo", "id": "0301"}
    del entry[missing]
    path = write_json(tmp_path, [{"code": "0010", "place": "Oslo", "id": "0301"}, entry])
    with pytest.raises(CommandError, match=f"Entry 2 has no '{missing}' field"):
        import_postcodes(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("221", id="three-digits"),
        pytest.param("22111", id="five-digits"),
        pytest.param("22a1", id="a-letter"),
        pytest.param(2211, id="a-number"),
        pytest.param("٢٢١١", id="arabic-indic-digits"),
    ],
)
def test_it_rejects_a_code_that_is_not_four_digits(tmp_path, code):
    """A number would already have lost its leading zeros, so only strings of 4 digits pass."""
    path = write_json(tmp_path, [{"code": code, "place": "Kongsvinger", "id": "3401"}])
    with pytest.raises(CommandError, match=r"Entry 1: code .* is not a postcode of 4 digits"):
        import_postcodes(path)


@pytest.mark.django_db
def test_it_rejects_a_kommunenummer_that_is_not_four_digits(tmp_path):
    """301 for Oslo has lost its leading zero."""
    path = write_json(tmp_path, [{"code": "0010", "place": "Oslo", "id": "301"}])
    with pytest.raises(CommandError, match=r"Entry 1: id '301' is not a kommunenummer"):
        import_postcodes(path)


@pytest.mark.django_db
def test_it_rejects_an_empty_place(tmp_path):
    """A postcode needs a place name."""
    path = write_json(tmp_path, [{"code": "0010", "place": " ", "id": "0301"}])
    with pytest.raises(CommandError, match="Entry 1: place ' ' is not a place name"):
        import_postcodes(path)


@pytest.mark.django_db
def test_it_rejects_an_entry_that_is_not_an_object(tmp_path):
    """A bare string in the list is named by its position."""
    path = write_json(tmp_path, [{"code": "0010", "place": "Oslo", "id": "0301"}, "0015 Oslo"])
    with pytest.raises(CommandError, match="Entry 2 is not an object"):
        import_postcodes(path)


@pytest.mark.django_db
def test_it_rejects_a_postcode_listed_twice_and_writes_nothing(tmp_path):
    """One bad entry stops the whole import before anything is written."""
    entry = {"code": "0010", "place": "Oslo", "id": "0301"}
    path = write_json(tmp_path, [entry, entry])
    with pytest.raises(CommandError, match="Postcode 0010 appears more than once"):
        import_postcodes(path, "--commit")
    assert Postcode.objects.count() == 0


@pytest.mark.django_db
def test_it_shows_progress_on_stderr_and_keeps_stdout_for_the_summary():
    """The progress bar never mixes with the counts a script might read."""
    out, err = StringIO(), StringIO()
    call_command("import_postcodes", str(POSTCODES_2026), stdout=out, stderr=err)
    assert "Reading postcodes: 100%|" in err.getvalue()
    assert "Reading postcodes" not in out.getvalue()
