"""One line means one line: what a title, a name or an e-mail subject may hold."""

import pytest
from django import forms
from django.utils.translation import override

from torget.lib.text import OneLineField, has_control_characters, header_text, one_line

# Every character at which str.splitlines() (and so the e-mail package) ends a line.
SEPARATORS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"]
SEPARATORS += ["\u2028", "\u2029", "\t"]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_every_line_break_python_knows_becomes_one_space(separator):
    text = one_line(f"  Hull i  vegen {separator} {separator}ved skolen ")

    assert text == "Hull i  vegen ved skolen"
    assert text.splitlines() == [text]


@pytest.mark.parametrize(
    "control", [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
)
def test_bidi_embeddings_overrides_and_isolates_are_taken_out(control):
    assert one_line(f"Lys{control} ute") == "Lys ute"


def test_the_marks_right_to_left_writers_need_stay():
    assert one_line("שלום\u200f 12") == "שלום\u200f 12"


def test_other_control_characters_are_found_not_hidden():
    assert one_line("Lys\x1b[31m ute") == "Lys\x1b[31m ute"
    assert has_control_characters("Lys\x1b[31m ute")
    assert not has_control_characters("Første\r\nandre\tlinje", allowed="\n\r\t")
    assert has_control_characters("Første\x0bandre", allowed="\n\r\t")


def test_a_header_is_one_line_with_no_control_character_at_all():
    assert header_text("Bekreft: Lys\u2028ute\x07\x00 \u202eher") == "Bekreft: Lys ute her"


class TitleForm(forms.Form):
    title = OneLineField(max_length=10)


@override("en")
def test_the_form_field_normalises_before_it_counts_and_refuses_control_characters():
    form = TitleForm({"title": "Hull\u2028\u2028i vei"})
    assert form.is_valid()
    assert form.cleaned_data["title"] == "Hull i vei"
    refused = TitleForm({"title": "Hull\x1b"})
    assert not refused.is_valid()
    assert refused.errors["title"] == ["Remove the invisible control characters from this text."]
