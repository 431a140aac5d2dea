"""What one line of text is: a title, a name, a subject, a category's name, an e-mail header.

Python and the e-mail package see a line break in more places than "\\n": str.splitlines()
breaks at CR, LF, VT, FF, the file/group/record separators, NEL (U+0085) and Unicode's line
and paragraph separators (U+2028, U+2029), and the e-mail package refuses a header value that
splitlines() would break. A title with any of them was accepted, and then its confirmation
e-mail could not be built. The bidirectional embedding, override and isolate characters make
text display in another order than it is stored, so a name or a title could read as something
it is not.

one_line() turns text into one line (breaks become spaces, bidi controls go). The form field
and the check for text a person sent refuse what is left that no one writes: other control
characters.
"""

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Every character at which str.splitlines() ends a line, and the tab.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t"
# Embeddings and overrides (U+202A..U+202E) and isolates (U+2066..U+2069). The marks
# U+200E and U+200F are kept: they only nudge neutral characters, and right-to-left writers
# need them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BREAKS = re.compile(f"[ ]*(?:[{LINE_BREAKS}][ ]*)+")
DROPPED = str.maketrans(dict.fromkeys(BIDI_CONTROLS, None))
# The control characters text of many lines (a report's details) may hold.
MULTILINE = "\n\r\t"

CONTROL_CHARACTERS = _("Remove the invisible control characters from this text.")


def one_line(text: str) -> str:
    """The text as one line: each run of line breaks (with the spaces around it) is one
    space, bidi controls are gone, and the ends are trimmed. Other control characters stay,
    for has_control_characters() to find; for a header use header_text()."""
    return BREAKS.sub(" ", text.translate(DROPPED)).strip()


def has_control_characters(text: str, *, allowed: str = "") -> bool:
    """Whether the text holds a control character other than `allowed` (for text of many
    lines, MULTILINE). On one line none is left that a person writes."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def header_text(text: str) -> str:
    """The last guard before an e-mail header: one line, and no control character at all,
    whatever a form let through or an older row holds."""
    flat = one_line(text)
    return "".join(ch for ch in flat if unicodedata.category(ch) != "Cc")


def refuse_control_characters(text: str) -> None:
    """A validator for text of one line that a person sent."""
    if has_control_characters(text):
        raise ValidationError(CONTROL_CHARACTERS, code="control")


def refuse_control_characters_multiline(text: str) -> None:
    """A validator for text of many lines that a person sent."""
    if has_control_characters(text, allowed=MULTILINE):
        raise ValidationError(CONTROL_CHARACTERS, code="control")


class OneLineField(forms.CharField):
    """A text input of one line: breaks and bidi controls are normalised away before the
    length is checked, and other control characters are refused."""

    default_validators = [refuse_control_characters]

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return one_line(text) if isinstance(text, str) else text
