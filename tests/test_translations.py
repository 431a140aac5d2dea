"""Every string of the interface is translated into bokmål and nynorsk, and the compiled
catalogues are up to date with the sources."""

import ast
import gettext
import re
from pathlib import Path

import pytest

TORGET = Path(__file__).resolve().parents[1] / "torget"
# The project's catalogue, and those of apps that keep their own (audit/, signin/).
LOCALES = [TORGET / "locale", *sorted(TORGET.glob("*/locale"))]


def entries(po: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry but the header."""
    found = []
    for block in po.read_text().split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        current, parts = None, {}
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match.group(1)
                parts[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += ast.literal_eval(line)
        if parts.get("msgid"):
            strings = [v for k, v in parts.items() if k.startswith("msgstr")]
            # Compiled catalogues key an entry with a context as "context\x04msgid".
            key = (
                f"{parts['msgctxt']}\x04{parts['msgid']}" if "msgctxt" in parts else parts["msgid"]
            )
            found.append((key, strings, fuzzy))
    return found


@pytest.mark.parametrize("locale", LOCALES, ids=lambda path: str(path.relative_to(TORGET)))
@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_string_is_translated(language, locale):
    po = locale / language / "LC_MESSAGES" / "django.po"
    missing = [msgid for msgid, strings, fuzzy in entries(po) if fuzzy or not all(strings)]
    assert missing == [], f"{len(missing)} strings lack a {language} translation: {missing[:5]}"


@pytest.mark.parametrize("locale", LOCALES, ids=lambda path: str(path.relative_to(TORGET)))
@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_compiled_catalogue_matches_its_source(language, locale):
    """A .po edited without `make messages` would leave the site speaking the old words."""
    folder = locale / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    source = {msgid for msgid, strings, fuzzy in entries(folder / "django.po") if not fuzzy}
    assert compiled == source
