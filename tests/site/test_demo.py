"""`torget demo` loads a lived-in Kongsvinger; `torget serve` runs and stops the site."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from io import StringIO

import pytest
import shapely
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from torget.accounts.models import Membership, Role, User
from torget.delivery.models import Contact, SendMethod
from torget.places.lookup import forget_area_index
from torget.places.models import Area, Body, Language
from torget.reports.models import (
    CLOSED_STATES,
    FIXED_STATES,
    Category,
    Report,
    State,
    Support,
    Update,
)
from torget.staff.models import (
    EntryKind,
    Handling,
    InternalEntry,
    Priority,
    ResponseTemplate,
    Target,
)

HAND_DRAWN = "Using a coarse demo geography drawn by hand, not official boundaries"

# Loading the demo takes a few seconds, so the module loads it once and the tests share it.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The demo, loaded in a transaction that is rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out, stderr=StringIO())
        yield out.getvalue()
        transaction.set_rollback(True)
    forget_area_index()


@pytest.fixture(autouse=True)
def fresh_area_index():
    """A test that rolls back areas must not leave their index to the next test."""
    yield
    forget_area_index()


def printed_accounts(output: str) -> dict[str, str]:
    table = output.split("Demo accounts", 1)[1].splitlines()[2:]
    return {line.split()[0]: line.split()[1] for line in table if "@" in line}


def kommune_codes() -> set[str]:
    return set(Area.objects.filter(kind="kommune").values_list("code", flat=True))


def test_it_loads_kongsvinger_and_the_municipalities_that_border_it(demo_output):
    codes = kommune_codes()
    assert {"3401", "3416", "3415"} <= codes
    assert "0301" not in codes
    assert "Areas: 5 loaded" in demo_output


def test_it_derives_the_innlandet_county_from_its_municipalities(demo_output):
    innlandet = Area.objects.get(kind="fylke", code="34")
    assert innlandet.name == "Innlandet"
    kongsvinger, hamar = shapely.Point(11.9977, 60.1905), shapely.Point(11.07, 60.79)
    assert innlandet.geometry.contains(kongsvinger)
    assert innlandet.geometry.contains(hamar)
    assert "derived from its municipalities" in demo_output


def test_each_municipality_has_a_bokmal_body_with_an_address(demo_output):
    for area in Area.objects.filter(kind="kommune"):
        body = area.bodies.get()
        assert body.name == f"{area.name} kommune"
        assert body.kind == "kommune"
        assert body.language == Language.BOKMAL
        assert body.email.startswith("postmottak@")
    assert Body.objects.get(areas__kind="fylke").name == "Innlandet fylkeskommune"


def test_each_body_has_categories_named_in_three_languages(demo_output):
    for body in Body.objects.filter(kind="kommune"):
        names = set(body.categories.values_list("name_nb", "name_nn", "name_en"))
        assert ("Hull i vegen", "Hol i vegen", "Pothole") in names
        assert len(names) == 8
    fylke_categories = Category.objects.filter(body__kind="fylkeskommune")
    assert [c.name_nb for c in fylke_categories] == ["Hull i fylkesvegen"]
    for category in Category.objects.all():
        assert all([category.name_nb, category.name_nn, category.name_en])
        assert all([category.group_nb, category.group_nn, category.group_en])


def test_potholes_ask_their_depth_and_open311_describes_the_questions(demo_output, client):
    """So that the web form, the body's e-mail and services/{code}.json have questions to
    show: every pothole category asks how deep it is (required) and where in the road."""
    potholes = Category.objects.filter(slug__in=["hull-i-vegen", "hull-i-fylkesvegen"])
    assert potholes.count() == Body.objects.count()
    for category in potholes:
        assert list(category.questions.values_list("code", "required")) == [
            ("depth", True),
            ("place_in_road", False),
        ]
    kongsvinger = potholes.get(body__slug="kongsvinger")
    client.cookies.load({"django_language": "en"})
    definition = client.get(f"/open311/v2/services/{kongsvinger.pk}.json").json()
    depth = definition["attributes"][0]
    assert depth["code"] == "depth" and depth["required"] is True
    assert depth["description"] == "How deep is the pothole?"
    assert [v["key"] for v in depth["values"]] == ["shallow", "medium", "deep"]


def test_every_printed_account_can_log_in_with_its_printed_password(demo_output):
    accounts = printed_accounts(demo_output)
    assert {"admin@torget.example", "saksbehandler@kongsvinger.example"} <= accounts.keys()
    assert {
        "saksbehandler@eidskog.example",
        "kari@example.org",
        "ola@example.org",
    } <= accounts.keys()
    for email, password in accounts.items():
        assert authenticate(username=email, password=password) is not None, email


def test_the_administrator_is_a_superuser_and_staff_act_for_their_body(demo_output):
    assert User.objects.get(email="admin@torget.example").is_superuser
    handler = Membership.objects.get(user__email="saksbehandler@kongsvinger.example")
    assert (handler.body.name, handler.role) == ("Kongsvinger kommune", "handler")
    manager = Membership.objects.get(user__email="leder@kongsvinger.example")
    assert (manager.body.name, manager.role) == ("Kongsvinger kommune", "manager")
    eidskog = Membership.objects.get(user__email="saksbehandler@eidskog.example")
    assert eidskog.body.name == "Eidskog kommune"


def test_kongsvinger_and_eidskog_have_staff_of_every_role_printed_with_passwords(demo_output):
    accounts = printed_accounts(demo_output)
    for slug in ("kongsvinger", "eidskog"):
        members = Membership.objects.filter(body__slug=slug).select_related("user")
        assert {m.role for m in members} == set(Role.values), slug
        assert {m.user.email for m in members} <= accounts.keys()
    assert "Moderator, Kongsvinger kommune" in demo_output


def test_every_category_is_delivered_by_e_mail(demo_output):
    assert Category.objects.exists()
    for category in Category.objects.select_related("body"):
        contact = Contact.objects.get(category=category)
        assert contact.send_method == SendMethod.EMAIL
        assert "@" in contact.email


def test_the_staff_workspace_is_alive(demo_output):
    """Priorities, templates in nb and nn, targets, and open reports assigned, noted and
    overdue at Kongsvinger, so that /staff/ has something to show on the first visit."""
    kongsvinger = Body.objects.get(slug="kongsvinger")
    assert Priority.objects.filter(body=kongsvinger).count() >= 3
    templates = ResponseTemplate.objects.filter(body=kongsvinger)
    assert templates.filter(category__slug="hull-i-vegen").exists()
    assert templates.filter(category__isnull=True).exists()
    assert all(t.text_nb and t.text_nn and t.text_nb != t.text_nn for t in templates)
    assert Target.objects.filter(body=kongsvinger, category__isnull=True).exists()
    handlings = Handling.objects.filter(body=kongsvinger)
    assert handlings.filter(assignee__isnull=False).count() >= 5
    assert handlings.filter(priority__isnull=False).exists()
    assert handlings.filter(due__lt=timezone.now(), report__category__slug="hull-i-vegen").exists()
    notes = InternalEntry.objects.filter(body=kongsvinger, kind=EntryKind.NOTE)
    assert notes.count() >= 3
    assert "Staff workspace:" in demo_output


def test_it_loads_about_300_reports_in_every_state(demo_output):
    states = Counter(Report.objects.values_list("state", flat=True))
    assert sum(states.values()) == 300
    assert set(states) == set(State.values)
    assert 1 <= states[State.UNCONFIRMED] <= 15
    assert Report.objects.filter(show_name=True).exists()
    assert Support.objects.exists()


def test_every_report_lies_in_the_areas_it_names(demo_output):
    geometries = {area.pk: area.geometry for area in Area.objects.all()}
    area_ids_of = defaultdict(list)
    for report_id, area_id in Report.areas.through.objects.values_list("report_id", "area_id"):
        area_ids_of[report_id].append(area_id)
    for report in Report.objects.all():
        area_ids = area_ids_of[report.pk]
        point = shapely.Point(report.lon, report.lat)
        assert len(area_ids) == 2, report.pk  # its kommune and Innlandet
        assert all(geometries[area_id].contains(point) for area_id in area_ids)


def test_each_report_goes_to_the_body_of_its_category(demo_output):
    for report in Report.objects.select_related("category").prefetch_related("bodies"):
        assert [body.pk for body in report.bodies.all()] == [report.category.body_id]


def test_timestamps_follow_the_lifecycle(demo_output):
    now = timezone.now()
    for report in Report.objects.all():
        if report.state == State.UNCONFIRMED:
            assert report.confirmed is None
            continue
        assert report.created <= report.confirmed <= now
        for later in (report.acknowledged, report.fixed, report.closed):
            assert later is None or report.confirmed <= later <= now
        if report.acknowledged and (report.fixed or report.closed):
            assert report.acknowledged <= (report.fixed or report.closed)
        assert (report.fixed is not None) == (report.state in FIXED_STATES)
        assert (report.closed is not None) == (report.state in CLOSED_STATES)


def test_updates_come_after_the_report_and_staff_answers_carry_their_body(demo_output):
    members = set(Membership.objects.values_list("user_id", "body_id"))
    staff = {user_id for user_id, _ in members}
    answers = 0
    for update in Update.objects.select_related("report"):
        assert update.report.created <= update.created
        if update.author_id in staff:
            assert (update.author_id, update.body_id) in members
            answers += 1
        else:
            assert update.body_id is None
    assert answers > 100
    assert Update.objects.filter(body__isnull=True, new_state="").exists()  # citizens' comments


def test_a_duplicate_points_to_an_earlier_report(demo_output):
    for duplicate in Report.objects.filter(state=State.DUPLICATE).select_related("duplicate_of"):
        assert duplicate.duplicate_of.created < duplicate.created


def test_running_it_again_creates_nothing_new(demo_output):
    counts = [model.objects.count() for model in (Area, Body, Category, User, Report, Update)]
    out = StringIO()
    started = time.monotonic()
    call_command("demo", stdout=out)
    assert time.monotonic() - started < 1.0
    assert out.getvalue().startswith("Demo data already loaded")
    assert printed_accounts(out.getvalue()) == printed_accounts(demo_output)
    assert [
        model.objects.count() for model in (Area, Body, Category, User, Report, Update)
    ] == counts


def test_without_the_boundary_file_it_draws_a_coarse_geography_by_hand(demo_output):
    out = StringIO()
    call_command("demo", "--reset", "--areas", "/nonexistent", stdout=out, stderr=StringIO())
    assert HAND_DRAWN in out.getvalue()
    assert kommune_codes() == {"3401", "3414", "3415", "3416", "3417", "3418"}
    assert Report.objects.count() == 300
    kongsvinger = Area.objects.get(kind="kommune", code="3401")
    assert kongsvinger.geometry.contains(shapely.Point(11.9977, 60.1905))
    for report in Report.objects.prefetch_related("areas"):
        kinds = sorted(area.kind for area in report.areas.all())
        assert kinds == ["fylke", "kommune"], report.pk
    assert authenticate(username="kari@example.org", password="demo-citizen") is not None


# -- torget serve ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_when_up(url: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:  # refused while gunicorn starts, or no worker booted yet to answer
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop_for_good(server: subprocess.Popen) -> None:
    """SIGTERM first, so that serve stops gunicorn and the worker too; SIGKILL as a last resort."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_serve_answers_on_its_address_and_stops_on_ctrl_c(tmp_path):
    """A real `torget serve --with-worker` on a database of its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "torget.settings",
        "TORGET_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
        "TORGET_DEBUG": "1",
        "TORGET_DATA_DIR": str(tmp_path),
    }
    torget = [sys.executable, "-m", "torget"]
    migrated = subprocess.run(
        [*torget, "migrate", "-v0"], env=env, capture_output=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    bind = f"127.0.0.1:{free_port()}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        command = [*torget, "serve", "--bind", bind, "--with-worker"]
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            assert status_when_up(f"http://{bind}/", timeout=30) == 200
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=10) == 0
        finally:
            stop_for_good(server)
    printed = log.read_text()
    assert f"Torget is running at http://{bind} (Ctrl+C to stop)" in printed
    assert '"GET / HTTP/1.1" 200' in printed  # the access log
