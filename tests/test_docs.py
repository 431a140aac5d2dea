"""Documentation that must not fall behind the code: every setting and every subcommand."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
COMMANDS = (ROOT / "docs" / "commands.md").read_text()


def settings_read_by_the_code():
    names = set()
    for path in [*ROOT.joinpath("torget").rglob("*.py"), ROOT / "Makefile", ROOT / ".ci" / "run"]:
        text = path.read_text()
        names |= {f"TORGET_{n}" for n in re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', text)}
        names |= set(re.findall(r"\bTORGET_[A-Z0-9_]+\b", text))
    return names


def torget_subcommands():
    return sorted(
        path.stem.replace("_", "-")
        for path in ROOT.joinpath("torget").glob("*/management/commands/*.py")
        if path.stem != "__init__"
    )


def test_the_scan_finds_the_settings_it_should():
    assert {
        "TORGET_SECRET_KEY",
        "TORGET_DATABASE_URL",
        "TORGET_GEOCODER",
    } <= settings_read_by_the_code()


@pytest.mark.parametrize("name", sorted(settings_read_by_the_code()))
def test_every_setting_is_documented_in_deploy_md(name):
    assert f"`{name}`" in DEPLOY, f"{name} is read by the code but missing from docs/deploy.md"


@pytest.mark.parametrize("name", sorted(set(re.findall(r"`(TORGET_[A-Z0-9_]+)`", DEPLOY))))
def test_every_documented_setting_exists(name):
    assert name in settings_read_by_the_code(), f"docs/deploy.md documents {name}, unused"


@pytest.mark.parametrize("command", torget_subcommands())
def test_every_subcommand_is_documented(command):
    assert f"`torget {command}" in COMMANDS, f"torget {command} is missing from docs/commands.md"


# Django's own options, which every subcommand has and `torget help` explains.
COMMON_OPTIONS = {
    "--help",
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def options_of(command: str) -> set[str]:
    from django.core.management import get_commands, load_command_class

    name = command.replace("-", "_")
    parser = load_command_class(get_commands()[name], name).create_parser("torget", name)
    found = {o for action in parser._actions for o in action.option_strings if o[:2] == "--"}
    return found - COMMON_OPTIONS


@pytest.mark.parametrize("command", torget_subcommands())
def test_every_option_of_a_subcommand_is_documented(command):
    rows = [line for line in COMMANDS.splitlines() if f"`torget {command}" in line]
    missing = sorted(o for o in options_of(command) if not any(o in row for row in rows))
    assert missing == [], f"torget {command}: {missing} missing from docs/commands.md"


def test_the_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^make \w+$", quick_start, flags=re.M) == ["make demo", "make test"]
