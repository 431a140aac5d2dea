"""Imports point one way, and each app writes only its own tables (docs/architecture.md).

The layers, from the bottom: lib; mail (the outbox) and limits (rate-limit counters);
accounts and places; reports; the features (delivery, alerts, open311 and the apps still to
come); site, the project as a whole, on top. A module may import its own app, any app of a
lower layer, and nothing above. Features do not import each other at all: where one must act
on what another did, it does so through the core (reports' handlers, registered at start-up)
or a sweep.

How it is checked, and what it cannot see:

- Imports are read from the source with `ast`, so every `import` and `from ... import` in
  torget/ counts, at the top of a module or inside a function. Imports under
  `if TYPE_CHECKING:` count too: an annotation that names a higher layer's class is a
  dependency all the same. Imports made by name at run time (`import_module`, the strings
  in settings, `apps.get_model`) are not seen; the worker's discovery of each app's jobs.py
  is one, and it goes downwards.
- An import inside a function is allowed only in an AppConfig's `ready()` (where an app
  registers its handlers, once the app registry is ready). Anywhere else it is how a cycle
  gets hidden, which is what this test is for.
- A write to another app's model is found where the source shows it plainly: a model class
  of another app, imported by name, followed by `.objects.<write>(...)` or
  `.objects.filter(...)...update()/delete()` in one expression, or a `Model(...)` of another
  app that is then `.save()`d, or `.save()`/`.delete()` on a name the module bound with that
  app's `Model.objects.get/create(...)`. Writes through a related manager
  (`report.updates.create`), on an object handed in as an argument, or through a helper of
  the other app are not seen: those go through that app's code, which is its own business.
  Each app's own actions.py (and its models' methods) is where its writes belong; another
  app calls them.
"""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TORGET = ROOT / "torget"
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()

# Each app's layer; a module may import apps of its own layer only if it is its own app.
LAYERS = {
    "lib": 0,
    # The outbox of e-mails to people (issue 12), used by every app that writes to someone.
    "mail": 1,
    # Rate-limit counters shared by every web process (issue 12), used by the forms of every app.
    "limits": 1,
    # The audit log (issue 15): every app records what staff do through audit.actions.record.
    "audit": 1,
    "accounts": 2,
    "places": 2,
    "reports": 3,
    "delivery": 4,
    "alerts": 4,
    "open311": 4,
    "staff": 4,
    "site": 5,
}
# What is still wrong, each with its reason; the tests fail when an entry is no longer
# needed, so this list only shrinks. Remove an entry in the change that fixes it.
KNOWN_IMPORTS: dict[str, str] = {}
KNOWN_WRITES: dict[str, str] = {
    # The demo loader fills every app's tables with backdated rows, in bulk, on purpose.
    "torget/site/demo.py": "the demo's data",
}
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}
WRITES |= {"bulk_update"}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str
    in_function: str  # the function it is inside, or ""

    @property
    def app(self) -> str:
        return self.module.split(".")[1] if self.module.count(".") else ""

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.module}"


def app_of(path: Path) -> str:
    parts = path.relative_to(TORGET).parts
    return parts[0] if len(parts) > 1 else ""


def modules() -> list[Path]:
    return sorted(p for p in TORGET.rglob("*.py") if "migrations" not in p.parts)


def imports_in(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    yield from _imports(path, tree, function="")


def _imports(path: Path, node: ast.AST, function: str) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports(path, child, function or child.name)
            continue
        if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
            if child.module == "torget":
                for alias in child.names:
                    yield Import(path, child.lineno, f"torget.{alias.name}", function)
            elif child.module.startswith("torget."):
                yield Import(path, child.lineno, child.module, function)
        elif isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name.startswith("torget."):
                    yield Import(path, child.lineno, alias.name, function)
        yield from _imports(path, child, function)


def all_imports() -> list[Import]:
    return [found for path in modules() for found in imports_in(path)]


def known(path: Path, exceptions: dict[str, str]) -> bool:
    return str(path.relative_to(ROOT)) in exceptions


def wrong_way(found: Import) -> str | None:
    """Why this import breaks the layers, or None."""
    source, target = app_of(found.path), found.app
    if not source or not target or source == target or target not in LAYERS:
        return None
    if source not in LAYERS:
        return f"{source}/ is not in the layers of this test (and docs/architecture.md)"
    if LAYERS[target] > LAYERS[source]:
        return f"{source} (layer {LAYERS[source]}) imports {target} (layer {LAYERS[target]})"
    if LAYERS[target] == LAYERS[source]:
        return f"{source} and {target} are in the same layer and must not import each other"
    return None


# What the architecture page must show: its diagram names every app.


def apps_on_disk() -> set[str]:
    return {p.parent.name for p in TORGET.glob("*/apps.py")} | {"lib"}


def diagram() -> str:
    section = ARCHITECTURE.split("## Layers", 1)[1]
    return section.split("```", 2)[1]


def apps_in_diagram() -> set[str]:
    return set(re.findall(r"\b([a-z0-9]+)/", diagram()))


# Writes to another app's models.


def models_by_app() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in TORGET.glob("*/models.py"):
        tree = ast.parse(path.read_text())
        names = {
            node.name
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and any(ast.unparse(base).endswith("Model") for base in node.bases)
        }
        found[path.parent.name] = names
    return found


def foreign_models(mine: str, tree: ast.Module, owners: dict[str, set[str]]) -> dict[str, str]:
    """The names this module imported for other apps' models: name -> owning app."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".models"):
            owner = node.module.split(".")[1]
            if owner == mine or owner not in owners:
                continue
            for alias in node.names:
                if alias.name in owners[owner]:
                    found[alias.asname or alias.name] = owner
    return found


def receiver_model(node: ast.expr) -> str | None:
    """For `X.objects...` (through any chain of calls and attributes): the name X."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return node.value.id if isinstance(node.value, ast.Name) else None
        node = node.func if isinstance(node, ast.Call) else node.value
    return None


def foreign_writes(source: str, app: str, owners: dict[str, set[str]]) -> list[str]:
    """Each plain write, as "line N writes APP's MODEL (method)"."""
    tree = ast.parse(source)
    foreign = foreign_models(app, tree, owners)
    if not foreign:
        return []
    bound: dict[str, str] = {}  # local names holding another app's row
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            model = receiver_model(node.value)
            func = node.value.func
            if isinstance(func, ast.Name) and func.id in foreign:
                model = func.id
            if model in foreign:
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            bound[name.id] = model
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        model = receiver_model(receiver) if method in WRITES else None
        if model is None and method in {"save", "delete"} and isinstance(receiver, ast.Name):
            model = bound.get(receiver.id)
        if model in foreign:
            found.append(f"line {node.lineno} writes {foreign[model]}'s {model} ({method})")
    return found


# The tests.


def test_the_scan_sees_imports_at_the_top_and_inside_functions():
    found = all_imports()
    assert any(i.module == "torget.reports.models" and not i.in_function for i in found)
    assert any(i.in_function == "ready" for i in found)


def test_a_wrong_way_import_is_caught():
    """The rule itself, on imports this test makes up."""
    lib = Import(TORGET / "lib" / "geo.py", 1, "torget.reports.models", "")
    feature_to_feature = Import(TORGET / "delivery" / "x.py", 1, "torget.alerts.models", "")
    downwards = Import(TORGET / "alerts" / "x.py", 1, "torget.reports.models", "")
    assert wrong_way(lib) and wrong_way(feature_to_feature)
    assert wrong_way(downwards) is None


def test_every_app_has_a_layer():
    assert apps_on_disk() - set(LAYERS) == set(), "give the new app its place in LAYERS"


@pytest.mark.parametrize(
    "found",
    [found for found in all_imports() if not known(found.path, KNOWN_IMPORTS)],
    ids=lambda found: found.where(),
)
def test_imports_point_down(found):
    assert wrong_way(found) is None, f"{found.where()}: {wrong_way(found)}"


def test_imports_inside_functions_are_only_in_app_ready():
    """An import inside a function to dodge a cycle hides a layer broken somewhere."""
    hidden = [
        found.where()
        for found in all_imports()
        if found.in_function
        and not (found.path.name == "apps.py" and found.in_function == "ready")
        and not known(found.path, KNOWN_IMPORTS)
    ]
    assert hidden == []


def test_each_known_wrong_import_is_still_there():
    """Once it is fixed, take it off KNOWN_IMPORTS, so it cannot come back unseen. (One
    test over the list rather than one per entry: the list is empty now.)"""
    found = all_imports()
    fixed = [
        name
        for name in sorted(KNOWN_IMPORTS)
        if not any(
            wrong_way(f) or f.in_function for f in found if str(f.path.relative_to(ROOT)) == name
        )
    ]
    assert fixed == []


@pytest.mark.parametrize("name", sorted(KNOWN_WRITES))
def test_each_known_foreign_write_is_still_there(name):
    path = ROOT / name
    assert foreign_writes(path.read_text(), app_of(path), models_by_app())


def test_the_write_scan_finds_what_it_claims_to():
    owners = {"alerts": {"Subscription"}, "reports": {"Report"}}
    source = (
        "from torget.alerts.models import Subscription\n"
        "from torget.reports.models import Report\n"
        "def f(report):\n"
        "    Subscription.objects.get_or_create(user=1)\n"
        "    Subscription.objects.filter(pk=1).update(active=False)\n"
        "    row = Subscription.objects.get(pk=1)\n"
        "    row.save()\n"
        "    Report.objects.filter(pk=1).update(title='x')\n"
    )
    assert foreign_writes(source, "delivery", owners) == [
        "line 4 writes alerts's Subscription (get_or_create)",
        "line 5 writes alerts's Subscription (update)",
        "line 7 writes alerts's Subscription (save)",
        "line 8 writes reports's Report (update)",
    ]
    assert foreign_writes(source, "alerts", owners) == ["line 8 writes reports's Report (update)"]


@pytest.mark.parametrize(
    "path",
    [path for path in modules() if not known(path, KNOWN_WRITES)],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_app_writes_another_apps_models(path):
    assert foreign_writes(path.read_text(), app_of(path), models_by_app()) == []


def test_the_architecture_diagram_names_every_app_and_no_other():
    unnamed, gone = apps_on_disk() - apps_in_diagram(), apps_in_diagram() - apps_on_disk()
    assert (unnamed, gone) == (set(), set()), "keep the diagram in docs/architecture.md true"
