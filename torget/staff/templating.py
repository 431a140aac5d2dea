"""Placeholders in response templates: {number}, {category}, {title}, {address}, {body}.

A template's text is written by a body's manager and filled in for each report. It is
read with `string.Formatter().parse` and only bare names from PLACEHOLDERS are accepted:
no attribute or index lookups ({number.__class__}), no conversions or format specs. So
`str.format_map` over a mapping of plain strings can do nothing but put those strings in.
The answer is plain text; the pages escape it like any other answer.
"""

import string

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from torget.places.models import Body
from torget.reports.models import Report

PLACEHOLDERS = {
    "number": _("the report's number"),
    "category": _("the report's category"),
    "title": _("the report's title"),
    "address": _("the report's address"),
    "body": _("the body's name"),
}


class TemplateError(ValueError):
    """The text is not a template Torget can fill in; the message says why."""


def check(text: str) -> None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError(
            _("A brace { or } is not closed. Write {{ or }} for a brace itself.")
        ) from error
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            known = ", ".join("{%s}" % key for key in PLACEHOLDERS)  # noqa: UP031
            raise TemplateError(
                _("Unknown placeholder {%(name)s}. These can be used: %(known)s.")
                % {"name": name, "known": known}
            )


def render(text: str, *, report: Report, body: Body, language: str) -> str:
    """The text with the report's facts filled in; the category is named in `language`."""
    check(text)
    with translation.override(language):
        category = report.category.name
    values = {
        "number": str(report.pk),
        "category": category,
        "title": report.title,
        "address": report.address,
        "body": body.name,
    }
    return text.format_map(values)
