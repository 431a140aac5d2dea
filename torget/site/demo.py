"""The demo: Kongsvinger, its neighbours and Innlandet, with bodies, categories, accounts and
about 300 reports in every state, so that `make demo` shows a lived-in site.

Everything is loaded in one transaction, so a demo is either fully there or not at all; the
administrator account therefore marks a loaded demo. The reports come from a fixed random seed,
so a load is repeatable; their dates are relative to the moment of loading.
"""

import datetime
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TextIO

import shapely
from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

import torget
from torget.accounts.models import Membership, Role, User
from torget.delivery.models import Contact, SendMethod
from torget.places.actions import apply_area_import, ensure_body_for, plan_area_import
from torget.places.geojson import (
    AreaFeature,
    load_source,
    parse_features,
    polygonal_part,
    read_area_features,
)
from torget.places.lookup import area_index, forget_area_index
from torget.places.models import Area, AreaKind, Body, Language, Postcode
from torget.reports.models import (
    CLOSED_STATES,
    FIXED_STATES,
    OPEN_STATES,
    PUBLIC_STATES,
    Category,
    Question,
    Report,
    State,
    Support,
    Update,
)
from torget.site.demo_texts import (
    CITIZEN_COMMENTS,
    DEFAULT_STREETS,
    FIXED_BY_REPORTER,
    HISTORIES,
    REPORT_TEXTS,
    STAFF_ANSWERS,
    STATE_WEIGHTS,
    STREETS,
)
from torget.staff import actions as staff_actions
from torget.staff.models import Handling, Priority, ResponseTemplate
from torget.staff.targets import Days, TargetChange, set_targets

Say = Callable[[str], None]

CENTRE_CODE = "3401"
FYLKE_CODE = "34"
FYLKE_NAME = "Innlandet"
# Simplified polygons leave slivers between neighbours; half a kilometre closes them.
NEIGHBOUR_BUFFER_DEGREES = 0.005
REPORT_COUNT = 300
SEED = 3401
HISTORY_DAYS = 182
UNCONFIRMED_WITHIN_DAYS = 3
CONFIRMED_WITHIN = datetime.timedelta(hours=2)
HANDLED_WITHIN = datetime.timedelta(days=45)
FYLKE_CATEGORY_SHARE = 0.08
SHOW_NAME_SHARE = 0.15
COMMENTED_SHARE = 0.3
SUPPORTED_SHARE = 0.25
FIXED_BY_REPORTER_SHARE = 0.3
TOWN_SPREAD_DEGREES = (0.025, 0.05)  # (lat, lon): about 3 km around the town centre


def shared_data_file(name: str) -> Path:
    """The shared data directory sits beside the checkout: <repo>/../shared/data/."""
    return Path(torget.__file__).resolve().parents[2] / "shared" / "data" / name


def default_areas_path() -> Path:
    return shared_data_file("kommuner-2024.geojson")


def default_postcodes_path() -> Path:
    return shared_data_file("postnummer-2026.json")


# -- Geography ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoKommune:
    code: str
    name: str
    town: tuple[float, float]  # (lat, lon) of the main town, where most reports are
    domain: str
    # "lon lat, lon lat, ...": traced coarsely (to about 2 km) from Kartverket's boundaries
    # (© Kartverket, CC BY 4.0). Used only when the official file is missing.
    outline: str
    # Every one of these has bokmål or a neutral språkvedtak, so they all write bokmål.
    language: str = Language.BOKMAL


# fmt: off
DEMO_KOMMUNER = (
    DemoKommune(
        "3401", "Kongsvinger", (60.1905, 11.9977), "kongsvinger.kommune.no",
        "11.83 60.35, 11.94 60.26, 11.88 60.20, 11.92 60.09, 12.25 60.13, 12.24 60.07, "
        "12.36 59.98, 12.54 60.19, 12.43 60.37, 12.26 60.39, 12.29 60.35, 12.23 60.31, "
        "12.06 60.37",
    ),
    DemoKommune(
        "3416", "Eidskog", (59.9850, 12.1200), "eidskog.kommune.no",
        "11.84 59.84, 11.99 59.90, 12.17 59.89, 12.36 59.98, 12.24 60.07, 12.25 60.13, "
        "11.92 60.09, 11.83 60.07, 11.79 59.96",
    ),
    DemoKommune(
        "3415", "Sør-Odal", (60.2550, 11.6800), "sor-odal.kommune.no",
        "11.52 60.30, 11.60 60.27, 11.56 60.18, 11.66 60.12, 11.79 60.05, 11.91 60.07, "
        "11.88 60.20, 11.94 60.26, 11.83 60.35, 11.61 60.37, 11.62 60.31",
    ),
    DemoKommune(
        "3414", "Nord-Odal", (60.3900, 11.5600), "nord-odal.kommune.no",
        "11.34 60.46, 11.52 60.30, 11.62 60.31, 11.61 60.37, 11.81 60.36, 11.84 60.43, "
        "11.62 60.58, 11.54 60.57, 11.55 60.52, 11.35 60.52",
    ),
    DemoKommune(
        "3417", "Grue", (60.4600, 12.0500), "grue.kommune.no",
        "11.81 60.36, 12.06 60.37, 12.23 60.31, 12.29 60.35, 12.26 60.39, 12.31 60.40, "
        "12.43 60.37, 12.51 60.28, 12.61 60.41, 12.61 60.51, 12.06 60.55, 12.05 60.51, "
        "11.80 60.49",
    ),
    DemoKommune(
        "3418", "Åsnes", (60.6140, 12.0130), "asnes.kommune.no",
        "11.65 60.57, 11.76 60.47, 12.05 60.51, 12.06 60.55, 12.60 60.53, 12.34 60.84, "
        "12.17 60.89, 12.20 60.84, 11.91 60.70, 11.92 60.62",
    ),
)
# fmt: on
DEMO_KOMMUNER_BY_CODE = {kommune.code: kommune for kommune in DEMO_KOMMUNER}
FYLKE_DOMAIN = "innlandetfylke.no"


@dataclass
class Geography:
    kommuner: list[AreaFeature]
    fylke: AreaFeature
    description: str


def official_geography(path: Path) -> Geography:
    features = list(
        read_area_features(
            parse_features(load_source(str(path)), str(path)),
            code_field="kommunenummer",
            name_field="kommunenavn",
        )
    )
    in_fylke = [feature.geometry for feature in features if feature.code.startswith(FYLKE_CODE)]
    fylke = AreaFeature(0, FYLKE_CODE, FYLKE_NAME, polygonal_part(shapely.union_all(in_fylke)))
    return Geography(
        kommuner=neighbourhood(features, CENTRE_CODE),
        fylke=fylke,
        description=(
            f"Using official boundaries from {path}. The {FYLKE_NAME} county polygon is "
            "derived from its municipalities (the union of every kommune numbered 34xx)."
        ),
    )


def neighbourhood(features: list[AreaFeature], code: str) -> list[AreaFeature]:
    """The kommune with `code` and every kommune whose boundary touches it."""
    centre = next(feature for feature in features if feature.code == code)
    reach = centre.geometry.buffer(NEIGHBOUR_BUFFER_DEGREES)
    return [feature for feature in features if feature.geometry.intersects(reach)]


def hand_drawn_geography(missing: Path) -> Geography:
    kommuner: list[AreaFeature] = []
    drawn: BaseGeometry = Polygon()
    for index, kommune in enumerate(DEMO_KOMMUNER, start=1):
        # Coarse outlines of neighbours overlap a little; the first one drawn keeps the overlap.
        outline = polygonal_part(outline_polygon(kommune.outline).difference(drawn))
        kommuner.append(AreaFeature(index, kommune.code, kommune.name, outline))
        drawn = drawn.union(outline)
    fylke = AreaFeature(0, FYLKE_CODE, FYLKE_NAME, polygonal_part(drawn))
    return Geography(
        kommuner=kommuner,
        fylke=fylke,
        description=(
            f"No boundary file at {missing}. Using a coarse demo geography drawn by hand, "
            f"not official boundaries. The {FYLKE_NAME} county polygon is derived from these "
            f"{len(kommuner)} municipalities."
        ),
    )


def outline_polygon(outline: str) -> Polygon:
    return Polygon([tuple(map(float, pair.split())) for pair in outline.split(",")])


def choose_geography(path: Path) -> Geography:
    """The official geography when the file is there, else the hand-drawn one."""
    return official_geography(path) if path.is_file() else hand_drawn_geography(path)


def load_areas(geography: Geography) -> tuple[list[Area], Area]:
    for kind, features in (
        (AreaKind.KOMMUNE, geography.kommuner),
        (AreaKind.FYLKE, [geography.fylke]),
    ):
        apply_area_import(plan_area_import(features, kind=kind), create_bodies=True)
    codes = [feature.code for feature in geography.kommuner]
    kommuner = list(Area.objects.current().filter(kind=AreaKind.KOMMUNE, code__in=codes))
    fylke = Area.objects.current().get(kind=AreaKind.FYLKE, code=FYLKE_CODE)
    return kommuner, fylke


# -- Bodies and categories ---------------------------------------------------------------------


def body_for(area: Area) -> Body:
    """The area's body, with demo contact details. An area imported earlier may have none."""
    body = area.bodies.first() or ensure_body_for(area)
    assert body is not None
    domain = contact_domain(area)
    if domain:
        body.email = f"postmottak@{domain}"
        body.website = f"https://www.{domain}"
    demo = DEMO_KOMMUNER_BY_CODE.get(area.code)
    body.language = demo.language if demo else Language.BOKMAL
    body.save(update_fields=["email", "website", "language"])
    return body


def contact_domain(area: Area) -> str:
    if area.kind == AreaKind.FYLKE:
        return FYLKE_DOMAIN
    demo = DEMO_KOMMUNER_BY_CODE.get(area.code)
    return demo.domain if demo else ""


GROUPS = {
    "roads": ("Veg og trafikk", "Veg og trafikk", "Roads and traffic"),
    "environment": ("Miljø", "Miljø", "Environment"),
    "water": ("Vann og avløp", "Vatn og avløp", "Water and sewage"),
    "parks": ("Park og friluft", "Park og friluft", "Parks and outdoors"),
}


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    nb: str
    nn: str
    en: str
    group: str
    months: frozenset[int] = frozenset(range(1, 13))  # when people report it
    urgent: tuple[str, str, str] = ("", "", "")  # notice shown before the form: nb, nn, en


WINTER = frozenset({11, 12, 1, 2, 3, 4})
URGENT_WATER = (
    "Fosser det vann ut nå, eller er det fare for liv eller helse? Ring kommunens vakttelefon, "
    "eller 112 ved fare for liv.",
    "Fossar det vatn ut no, eller er det fare for liv eller helse? Ring vakttelefonen til "
    "kommunen, eller 112 ved fare for liv.",
    "Is water gushing out right now, or is there a danger to life or health? Call the "
    "municipality's emergency line, or 112 if life is in danger.",
)
# fmt: off
KOMMUNE_CATEGORIES = (
    CategorySpec("hull-i-vegen", "Hull i vegen", "Hol i vegen", "Pothole", "roads"),
    CategorySpec("gatelys", "Gatelys", "Gatelys", "Street light", "roads"),
    CategorySpec("soppel-og-forsopling", "Søppel og forsøpling", "Søppel og forsøpling",
                 "Rubbish and littering", "environment"),
    CategorySpec("vann-og-avlop", "Vann og avløp", "Vatn og avløp", "Water and sewage", "water",
                 urgent=URGENT_WATER),
    CategorySpec("broyting-og-stroing", "Brøyting og strøing", "Brøyting og strøing",
                 "Snow clearing and gritting", "roads", WINTER),
    CategorySpec("grafitti", "Grafitti", "Grafitti", "Graffiti", "environment"),
    CategorySpec("skilt", "Skilt", "Skilt", "Signs", "roads"),
    CategorySpec("park-og-lekeplass", "Park og lekeplass", "Park og leikeplass",
                 "Parks and playgrounds", "parks"),
)
FYLKE_CATEGORIES = (
    CategorySpec("hull-i-fylkesvegen", "Hull i fylkesvegen", "Hol i fylkesvegen",
                 "Pothole on a county road", "roads"),
)
# fmt: on
CATEGORY_SPECS = {spec.slug: spec for spec in KOMMUNE_CATEGORIES + FYLKE_CATEGORIES}
# A pothole's depth and where in the road it is: what a road crew asks first, and what the
# web form, the e-mail and Open311's services/{code}.json show of a category's questions.
DEPTHS = [
    {
        "key": "shallow",
        "name": "Grunt (under 5 cm)",
        "name_nn": "Grunt (under 5 cm)",
        "name_en": "Shallow (under 5 cm)",
    },
    {
        "key": "medium",
        "name": "Middels (5–10 cm)",
        "name_nn": "Middels (5–10 cm)",
        "name_en": "Medium (5–10 cm)",
    },
    {
        "key": "deep",
        "name": "Dypt (over 10 cm)",
        "name_nn": "Djupt (over 10 cm)",
        "name_en": "Deep (over 10 cm)",
    },
]
PLACES_IN_ROAD = [
    {"key": "lane", "name": "I kjørebanen", "name_nn": "I køyrebana", "name_en": "In the lane"},
    {"key": "edge", "name": "I vegkanten", "name_nn": "I vegkanten", "name_en": "At the edge"},
    {
        "key": "footway",
        "name": "På fortau eller gang- og sykkelveg",
        "name_nn": "På fortau eller gang- og sykkelveg",
        "name_en": "On a footway or cycle path",
    },
]
POTHOLE_QUESTIONS = (
    {
        "code": "depth",
        "label": "Hvor dypt er hullet?",
        "label_nn": "Kor djupt er holet?",
        "label_en": "How deep is the pothole?",
        "datatype": "singlevaluelist",
        "required": True,
        "order": 1,
        "values": DEPTHS,
    },
    {
        "code": "place_in_road",
        "label": "Hvor i vegen er det?",
        "label_nn": "Kvar i vegen er det?",
        "label_en": "Where in the road is it?",
        "datatype": "singlevaluelist",
        "order": 2,
        "values": PLACES_IN_ROAD,
    },
)
QUESTIONS = {"hull-i-vegen": POTHOLE_QUESTIONS, "hull-i-fylkesvegen": POTHOLE_QUESTIONS}


def create_categories(body: Body, specs: Sequence[CategorySpec]) -> list[Category]:
    categories = []
    for spec in specs:
        group_nb, group_nn, group_en = GROUPS[spec.group]
        category, _ = Category.objects.update_or_create(
            body=body,
            slug=spec.slug,
            defaults={
                "name_nb": spec.nb,
                "name_nn": spec.nn,
                "name_en": spec.en,
                "group_nb": group_nb,
                "group_nn": group_nn,
                "group_en": group_en,
                "urgent_notice_nb": spec.urgent[0],
                "urgent_notice_nn": spec.urgent[1],
                "urgent_notice_en": spec.urgent[2],
            },
        )
        for question in QUESTIONS.get(spec.slug, ()):
            fields = {key: value for key, value in question.items() if key != "code"}
            Question.objects.update_or_create(
                category=category, code=question["code"], defaults=fields
            )
        categories.append(category)
    return categories


# -- Accounts ----------------------------------------------------------------------------------

ADMINISTRATOR = "administrator"
CITIZEN = "citizen"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # ADMINISTRATOR, CITIZEN or a membership Role
    area_code: str = ""  # the kommune or fylke whose body a staff member acts for

    @property
    def password(self) -> str:
        # Shared per role and printed at the end: these are demo accounts on a demo site.
        return {ADMINISTRATOR: "demo-admin", CITIZEN: "demo-citizen"}.get(self.role, "demo-staff")


ADMIN_EMAIL = "admin@torget.example"
ACCOUNTS = (
    DemoAccount(ADMIN_EMAIL, "Administrator", ADMINISTRATOR),
    DemoAccount("saksbehandler@kongsvinger.example", "Siri Haugen", Role.HANDLER, "3401"),
    DemoAccount("leder@kongsvinger.example", "Tor Bakken", Role.MANAGER, "3401"),
    DemoAccount("moderator@kongsvinger.example", "Mona Rud", Role.MODERATOR, "3401"),
    DemoAccount("saksbehandler@eidskog.example", "Nina Berg", Role.HANDLER, "3416"),
    DemoAccount("moderator@eidskog.example", "Pål Sand", Role.MODERATOR, "3416"),
    DemoAccount("leder@eidskog.example", "Randi Aas", Role.MANAGER, "3416"),
    DemoAccount("saksbehandler@sor-odal.example", "Arne Moen", Role.HANDLER, "3415"),
    DemoAccount("saksbehandler@nord-odal.example", "Liv Strand", Role.HANDLER, "3414"),
    DemoAccount("saksbehandler@grue.example", "Jon Lie", Role.HANDLER, "3417"),
    DemoAccount("saksbehandler@asnes.example", "Eva Dahl", Role.HANDLER, "3418"),
    DemoAccount("saksbehandler@innlandet.example", "Knut Vik", Role.HANDLER, "34"),
    DemoAccount("kari@example.org", "Kari Nordmann", CITIZEN),
    DemoAccount("ola@example.org", "Ola Nordmann", CITIZEN),
    DemoAccount("ingrid@example.org", "Ingrid Hansen", CITIZEN),
    DemoAccount("per@example.org", "Per Johansen", CITIZEN),
)
ROLE_LABELS = {
    ADMINISTRATOR: "Administrator",
    CITIZEN: "Citizen",
    Role.HANDLER: "Case handler",
    Role.MODERATOR: "Moderator",
    Role.MANAGER: "Manager",
}


def create_accounts(bodies_by_code: dict[str, Body]) -> list[User]:
    """The accounts whose body is loaded (or that need none), with their memberships."""
    # PBKDF2 takes most of a second per hash, so each distinct password is hashed once.
    hashes: dict[str, str] = {}
    users = []
    for account in ACCOUNTS:
        body = bodies_by_code.get(account.area_code)
        if account.area_code and body is None:
            continue
        user = create_account(account, hashes)
        if body is not None:
            Membership.objects.get_or_create(user=user, body=body, defaults={"role": account.role})
        users.append(user)
    return users


def create_account(account: DemoAccount, hashes: dict[str, str]) -> User:
    if account.password not in hashes:
        hashes[account.password] = make_password(account.password)
    is_admin = account.role == ADMINISTRATOR
    user, _ = User.objects.update_or_create(
        email=account.email,
        defaults={
            "name": account.name,
            "password": hashes[account.password],
            "email_verified": True,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        },
    )
    return user


def accounts_table() -> str:
    loaded = set(
        User.objects.filter(email__in=[a.email for a in ACCOUNTS]).values_list("email", flat=True)
    )
    bodies = body_names_by_area_code()
    rows = [("E-mail", "Password", "Role")] + [
        (account.email, account.password, role_label(account, bodies))
        for account in ACCOUNTS
        if account.email in loaded
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    lines = [f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}" for row in rows]
    return "Demo accounts (demo passwords, for this demo only):\n" + "\n".join(lines)


def role_label(account: DemoAccount, bodies: dict[str, str]) -> str:
    label = ROLE_LABELS[account.role]
    return f"{label}, {bodies[account.area_code]}" if account.area_code in bodies else label


def body_names_by_area_code() -> dict[str, str]:
    codes = {account.area_code for account in ACCOUNTS if account.area_code}
    rows = Body.objects.filter(areas__code__in=codes).values_list("areas__code", "name")
    return {code: name for code, name in rows}


# -- Reports -----------------------------------------------------------------------------------


@dataclass
class Place:
    """A loaded kommune as the report generator needs it."""

    area: Area
    body: Body
    geometry: BaseGeometry
    town: tuple[float, float]
    streets: tuple[str, ...]
    weight: int


@dataclass
class Step:
    state: str
    at: datetime.datetime
    by_reporter: bool = False


@dataclass
class Story:
    """A report and the history that led to its state, before anything is saved."""

    report: Report
    steps: list[Step] = field(default_factory=list)


@dataclass
class Cast:
    citizens: list[User]
    staff_by_body: dict[int, User]


def make_place(area: Area, body: Body) -> Place:
    demo = DEMO_KOMMUNER_BY_CODE.get(area.code)
    geometry = area.geometry
    shapely.prepare(geometry)
    inside = geometry.representative_point()
    return Place(
        area=area,
        body=body,
        geometry=geometry,
        town=demo.town if demo else (inside.y, inside.x),
        streets=STREETS.get(area.code, DEFAULT_STREETS),
        # The centre kommune is the demo's focus: half of all reports are there.
        weight=3 if area.code == CENTRE_CODE else 1,
    )


def sample_point(place: Place, rng: random.Random) -> tuple[float, float]:
    """A point near the town (where people report things), always inside the kommune."""
    lat0, lon0 = place.town
    for _ in range(50):
        lat = rng.gauss(lat0, TOWN_SPREAD_DEGREES[0])
        lon = rng.gauss(lon0, TOWN_SPREAD_DEGREES[1])
        if place.geometry.contains(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)
    west, south, east, north = place.geometry.bounds
    while True:
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        if place.geometry.contains(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)


def state_sequence(rng: random.Random, count: int) -> list[str]:
    """Every state at least once, the rest drawn by weight."""
    states: list[str] = list(STATE_WEIGHTS)
    drawn = rng.choices(states, weights=list(STATE_WEIGHTS.values()), k=count - len(states))
    return states + drawn


def pick_category(
    rng: random.Random, place: Place, categories: dict[int, list[Category]], fylke: Body, month: int
) -> Category:
    if rng.random() < FYLKE_CATEGORY_SHARE and categories.get(fylke.pk):
        return rng.choice(categories[fylke.pk])
    in_season = [c for c in categories[place.body.pk] if month in CATEGORY_SPECS[c.slug].months]
    return rng.choice(in_season)


def report_times(
    rng: random.Random, state: str, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime | None]:
    if state == State.UNCONFIRMED:
        return now - datetime.timedelta(days=rng.uniform(0, UNCONFIRMED_WITHIN_DAYS)), None
    created = now - datetime.timedelta(days=rng.uniform(0, HISTORY_DAYS))
    confirmed = min(created + rng.uniform(0.01, 1) * CONFIRMED_WITHIN, now)
    return created, confirmed


def history(
    rng: random.Random, state: str, confirmed: datetime.datetime | None, now: datetime.datetime
) -> list[Step]:
    path = rng.choice(HISTORIES[state])
    if confirmed is None or not path:
        return []
    span = min(now - confirmed, HANDLED_WITHIN)
    fractions = sorted(rng.random() for _ in path)
    steps = [Step(s, confirmed + f * span) for s, f in zip(path, fractions, strict=True)]
    steps[-1].by_reporter = state == State.FIXED and rng.random() < FIXED_BY_REPORTER_SHARE
    return steps


def stamp(report: Report, steps: list[Step]) -> None:
    """The lifecycle timestamps, as Report.set_state_by_body and mark_fixed would set them."""
    acknowledging = [s.at for s in steps if s.state in OPEN_STATES - {State.OPEN}]
    report.acknowledged = acknowledging[0] if acknowledging else None
    final = steps[-1] if steps else None
    report.fixed = final.at if final and final.state in FIXED_STATES else None
    report.closed = final.at if final and final.state in CLOSED_STATES else None
    answers = [s.at for s in steps if not s.by_reporter]
    report.answered = answers[0] if answers else None


def draft_report(
    rng: random.Random,
    state: str,
    place: Place,
    category: Category,
    cast: Cast,
    times: tuple[datetime.datetime, datetime.datetime | None],
) -> Report:
    street = rng.choice(place.streets)
    title, detail = rng.choice(REPORT_TEXTS[category.slug])
    lat, lon = sample_point(place, rng)
    return Report(
        lat=lat,
        lon=lon,
        address=f"{street} {rng.randint(1, 60)}, {place.area.name}",
        category=category,
        title=title.format(street=street),
        detail=detail.format(street=street),
        reporter=rng.choice(cast.citizens),
        show_name=rng.random() < SHOW_NAME_SHARE,
        state=state,
        created=times[0],
        confirmed=times[1],
    )


def draft_stories(
    rng: random.Random,
    places: list[Place],
    categories: dict[int, list[Category]],
    fylke: Body,
    cast: Cast,
    progress: TextIO,
) -> list[Story]:
    now = timezone.now()
    stories = []
    weights = [place.weight for place in places]
    states = state_sequence(rng, REPORT_COUNT)
    for state in tqdm(states, desc="Reports", unit=" reports", file=progress, mininterval=0.25):
        place = rng.choices(places, weights=weights)[0]
        times = report_times(rng, state, now)
        category = pick_category(rng, place, categories, fylke, times[0].month)
        report = draft_report(rng, state, place, category, cast, times)
        steps = history(rng, state, report.confirmed, now)
        stamp(report, steps)
        stories.append(Story(report, steps))
    # Saved oldest first, so report numbers grow with time as they would on a real site.
    return sorted(stories, key=lambda story: story.report.created)


def save_stories(stories: list[Story], rng: random.Random, cast: Cast) -> tuple[int, int]:
    """Write reports with their areas, bodies, duplicates, updates and supports."""
    reports = Report.objects.bulk_create([story.report for story in stories])
    link_areas_and_bodies(reports)
    link_duplicates(stories, rng)
    updates = Update.objects.bulk_create(
        [update for story in stories for update in story_updates(story, rng, cast)]
    )
    supports = Support.objects.bulk_create(
        [support for story in stories for support in story_supports(story, rng, cast)]
    )
    counted = Counter(support.report_id for support in supports)
    for report in reports:
        report.supporters = counted[report.pk]
    Report.objects.bulk_update([r for r in reports if r.supporters], ["supporters"])
    # Written in bulk, the reports reached their bodies without the handlers that open
    # each body's handling of them, so the staff inbox is given them here.
    staff_actions.open_missing_handlings()
    return len(updates), len(supports)


def link_areas_and_bodies(reports: list[Report]) -> None:
    index = area_index()
    AreaLink = Report.areas.through
    BodyLink = Report.bodies.through
    AreaLink.objects.bulk_create(
        [
            AreaLink(report_id=r.pk, area_id=a)
            for r in reports
            for a in index.area_ids_at(r.lat, r.lon)
        ]
    )
    # A category belongs to one body, and that body is the one responsible for the report.
    BodyLink.objects.bulk_create(
        [BodyLink(report_id=r.pk, body_id=r.category.body_id) for r in reports]
    )


def link_duplicates(stories: list[Story], rng: random.Random) -> None:
    """Each duplicate points at an earlier public report of the same category."""
    duplicates = []
    for story in stories:
        report = story.report
        if report.state != State.DUPLICATE:
            continue
        report.duplicate_of = rng.choice(original_candidates(stories, report))
        duplicates.append(report)
    Report.objects.bulk_update(duplicates, ["duplicate_of"])


def original_candidates(stories: list[Story], duplicate: Report) -> list[Report]:
    public = [
        s.report
        for s in stories
        if s.report.state in PUBLIC_STATES - {State.DUPLICATE}
        and s.report.created < duplicate.created
    ]
    same_category = [r for r in public if r.category_id == duplicate.category_id]
    return same_category or public or [s.report for s in stories if s.report is not duplicate]


def story_updates(story: Story, rng: random.Random, cast: Cast) -> list[Update]:
    report = story.report
    if report.confirmed is None:
        return []
    updates = [state_update(report, step, cast, rng) for step in story.steps]
    if rng.random() < COMMENTED_SHARE:
        until = story.steps[-1].at if story.steps else timezone.now()
        for _ in range(rng.randint(1, 2)):
            at = report.confirmed + rng.random() * (until - report.confirmed)
            author = rng.choice(cast.citizens)
            text = rng.choice(CITIZEN_COMMENTS)
            show_name = rng.random() < SHOW_NAME_SHARE
            updates.append(
                Update(report=report, author=author, text=text, created=at, show_name=show_name)
            )
    return updates


def state_update(report: Report, step: Step, cast: Cast, rng: random.Random) -> Update:
    if step.by_reporter:
        text = rng.choice(FIXED_BY_REPORTER)
        return Update(
            report=report, author=report.reporter, text=text, new_state=step.state, created=step.at
        )
    return Update(
        report=report,
        # A body without demo staff answers through its own system: no author.
        author=cast.staff_by_body.get(report.category.body_id),
        body_id=report.category.body_id,
        text=rng.choice(STAFF_ANSWERS[step.state]),
        new_state=step.state,
        created=step.at,
    )


def story_supports(story: Story, rng: random.Random, cast: Cast) -> list[Support]:
    report = story.report
    if report.confirmed is None or rng.random() >= SUPPORTED_SHARE:
        return []
    others = [c for c in cast.citizens if c.pk != report.reporter_id]
    supporters = rng.sample(others, k=rng.randint(1, min(3, len(others))))
    now = timezone.now()
    return [
        Support(
            report=report,
            user=user,
            created=report.confirmed + rng.random() * (now - report.confirmed),
        )
        for user in supporters
    ]


# -- Loading and resetting ---------------------------------------------------------------------


def demo_is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def demo_area_codes(geography: Geography) -> set[str]:
    """Kommuner either geography may have loaded: a reset must catch both."""
    return {feature.code for feature in geography.kommuner} | set(DEMO_KOMMUNER_BY_CODE)


def reset_demo(geography: Geography) -> None:
    areas = Area.objects.filter(
        Q(kind=AreaKind.KOMMUNE, code__in=demo_area_codes(geography))
        | Q(kind=AreaKind.FYLKE, code=FYLKE_CODE)
    )
    bodies = Body.objects.filter(areas__in=areas).distinct()
    users = User.objects.filter(email__in=[account.email for account in ACCOUNTS])
    Report.objects.filter(
        Q(category__body__in=bodies) | Q(bodies__in=bodies) | Q(reporter__in=users)
    ).delete()
    Update.objects.filter(Q(author__in=users) | Q(body__in=bodies)).delete()
    Category.objects.filter(body__in=bodies).delete()
    Body.objects.filter(pk__in=list(bodies.values_list("pk", flat=True))).delete()
    areas.delete()
    Postcode.objects.all().delete()
    users.delete()
    forget_area_index()


def load_postcodes(path: Path, say: Say) -> None:
    if not path.is_file():
        say(f"Postcodes: skipped, no file at {path}")
        return
    if "import_postcodes" not in get_commands():
        say("Postcodes: skipped, this version of Torget has no import-postcodes command yet")
        return
    call_command("import_postcodes", str(path), commit=True, verbosity=0, stdout=StringIO())
    say(f"Postcodes: {Postcode.objects.count()} loaded from {path}")


def load_demo(geography: Geography, *, postcodes_path: Path, say: Say, progress: TextIO) -> None:
    say(geography.description)
    kommune_areas, fylke_area = load_areas(geography)
    say(f"Areas: {len(kommune_areas) + 1} loaded ({len(kommune_areas)} kommuner and {FYLKE_NAME})")
    bodies_by_code = {area.code: body_for(area) for area in [*kommune_areas, fylke_area]}
    categories = load_categories(bodies_by_code)
    say(f"Bodies: {len(bodies_by_code)} with {sum(map(len, categories.values()))} categories")
    load_postcodes(postcodes_path, say)
    users = create_accounts(bodies_by_code)
    say(f"Accounts: {len(users)} created")
    places = [make_place(area, bodies_by_code[area.code]) for area in kommune_areas]
    rng = random.Random(SEED)
    fylke = bodies_by_code[FYLKE_CODE]
    cast = make_cast(users)
    stories = draft_stories(rng, places, categories, fylke, cast, progress)
    updates, supports = save_stories(stories, rng, cast)
    say(f"Reports: {len(stories)} loaded, with {updates} updates and {supports} supports")
    contacts = load_contacts(categories, bodies_by_code)
    say(f"Contacts: {contacts}, by e-mail (to the outbox at /dev/outbox)")
    say(load_workspaces(bodies_by_code, categories, rng))


@transaction.atomic
def install_demo(
    geography: Geography, *, reset: bool, postcodes_path: Path, say: Say, progress: TextIO
) -> None:
    """One transaction: a failed load leaves the old demo (or nothing) in place."""
    if reset:
        reset_demo(geography)
        say("Deleted the demo data.")
    load_demo(geography, postcodes_path=postcodes_path, say=say, progress=progress)


def load_categories(bodies_by_code: dict[str, Body]) -> dict[int, list[Category]]:
    return {
        body.pk: create_categories(
            body, FYLKE_CATEGORIES if code == FYLKE_CODE else KOMMUNE_CATEGORIES
        )
        for code, body in bodies_by_code.items()
    }


def make_cast(users: list[User]) -> Cast:
    by_email = {account.email: account for account in ACCOUNTS}
    citizens = [user for user in users if by_email[user.email].role == CITIZEN]
    staff_by_body: dict[int, User] = {}
    # The first staff member listed for a body (its case handler) writes its answers.
    for membership in (
        Membership.objects.filter(user__in=users).select_related("user").order_by("id")
    ):
        staff_by_body.setdefault(membership.body_id, membership.user)
    return Cast(citizens=citizens, staff_by_body=staff_by_body)


# -- Contacts and the staff workspace ----------------------------------------------------------


def load_contacts(categories: dict[int, list[Category]], bodies_by_code: dict[str, Body]) -> int:
    """Every category is sent by e-mail, so a new report is delivered, and in the demo the
    e-mail lands in the outbox (/dev/outbox) where a newcomer can read it."""
    bodies = {body.pk: body for body in bodies_by_code.values()}
    count = 0
    for body_id, body_categories in categories.items():
        body = bodies[body_id]
        # A neighbour from the official file that the demo has no domain for gets a made-up one.
        email = body.email or f"postmottak@{body.slug}.example"
        for category in body_categories:
            Contact.objects.update_or_create(
                category=category,
                defaults={"send_method": SendMethod.EMAIL, "email": email},
            )
            count += 1
    return count


PRIORITIES = ("Akutt", "Innen en uke", "Når det passer")
# (category slug or "" for all, title, bokmål, nynorsk, the state it sets)
TEMPLATES = (
    (
        "",
        "Mottatt",
        "Takk for meldingen om {title}. {body} har fått den (sak {number}) og ser på den.",
        "Takk for meldinga om {title}. {body} har fått ho (sak {number}) og ser på ho.",
        State.IN_PROGRESS,
    ),
    (
        "hull-i-vegen",
        "Hull: satt opp for lapping",
        "Hullet ved {address} er satt opp for lapping. Vi lapper hull i tur og orden, "
        "de farligste først.",
        "Holet ved {address} er sett opp for lapping. Vi lappar hol i tur og orden, "
        "dei farlegaste først.",
        State.PLANNED,
    ),
    (
        "hull-i-vegen",
        "Hull: lappet",
        "Hullet ved {address} er lappet. Takk for at du sa fra!",
        "Holet ved {address} er lappa. Takk for at du sa frå!",
        State.FIXED,
    ),
    (
        "gatelys",
        "Gatelys: meldt til entreprenør",
        "Lyset er meldt til vår entreprenør, som skifter pærer hver uke.",
        "Lyset er meldt til entreprenøren vår, som skiftar pærer kvar veke.",
        State.IN_PROGRESS,
    ),
)
# Working days: (category slug or "" for all, first answer, fixed).
TARGETS = (("", 5, 30), ("hull-i-vegen", 2, 10), ("vann-og-avlop", 1, 5))
ASSIGNED_SHARE = 0.4
NOTED_SHARE = 0.2
PRIORITISED_SHARE = 0.3
NOTES = (
    "Ringte innbyggeren, hun sender flere bilder.",
    "Vegavdelingen har fått saken, venter på svar.",
    "Sjekket på stedet i dag: stemmer.",
    "Samme sted som i fjor. Bør se på dreneringen.",
)


def load_workspaces(
    bodies_by_code: dict[str, Body], categories: dict[int, list[Category]], rng: random.Random
) -> str:
    """Priorities, response templates and targets for the bodies with demo staff, and some of
    their open reports assigned, prioritised and noted, so that /staff/ is alive on day one.
    The targets are counted from when the reports came in, so older open reports are overdue."""
    staffed = {m.body_id for m in Membership.objects.filter(body__in=bodies_by_code.values())}
    assigned = noted = 0
    for body in bodies_by_code.values():
        if body.pk not in staffed:
            continue
        by_slug = {category.slug: category for category in categories[body.pk]}
        priorities = Priority.objects.bulk_create(
            [Priority(body=body, name=name, position=i) for i, name in enumerate(PRIORITIES)]
        )
        ResponseTemplate.objects.bulk_create(
            [
                ResponseTemplate(
                    body=body,
                    category=by_slug[slug] if slug else None,
                    title=title,
                    text_nb=nb,
                    text_nn=nn,
                    new_state=state,
                )
                for slug, title, nb, nn, state in TEMPLATES
                if not slug or slug in by_slug
            ]
        )
        set_targets(
            body=body,
            changes=[
                TargetChange(by_slug[slug] if slug else None, Days(answer, fix))
                for slug, answer, fix in TARGETS
                if not slug or slug in by_slug
            ],
        )
        members = list(
            Membership.objects.filter(body=body).select_related("user").order_by("role", "id")
        )
        handler = next((m.user for m in members if m.role == Role.HANDLER), members[0].user)
        colleagues = [m.user for m in members]
        open_handlings = Handling.objects.filter(
            body=body, report__state__in=OPEN_STATES
        ).select_related("report")
        for handling in open_handlings.order_by("report__created"):
            report = handling.report
            if rng.random() < ASSIGNED_SHARE:
                staff_actions.assign(
                    report=report, body=body, by=handler, assignee=rng.choice(colleagues)
                )
                assigned += 1
            if rng.random() < PRIORITISED_SHARE:
                staff_actions.set_priority(
                    report=report, body=body, by=handler, priority=rng.choice(priorities)
                )
            if rng.random() < NOTED_SHARE:
                staff_actions.add_note(report=report, body=body, by=handler, text=rng.choice(NOTES))
                noted += 1
    overdue = Handling.objects.filter(body__in=staffed, due__lt=timezone.now()).count()
    return (
        f"Staff workspace: {len(staffed)} bodies with priorities, templates and targets; "
        f"{assigned} reports assigned, {noted} noted, {overdue} past their target"
    )
