"""The alert e-mail: one per person per run, in sections, each section one subscription.

A run at 100,000 subscriptions mails about 47,000 people, and Django's template engine
rendering two digest templates for each of them took about 1 ms a person, a third of the
run. Most of a digest is the same for everyone who reads it in the same language; only the
values differ. So each template is rendered once per run and language with a marker in place
of each value (a `Layout`), and each person's e-mail is the layout with their values put in.
The entries (a new report, an update) are rendered once per language and run too (`Lines`),
and reused in every digest that lists them: the same new report in Oslo goes to thousands of
people.

The templates stay the place where the e-mail's words and layout are written: they are
ordinary templates, rendered by Django; they may not transform a marked value (a filter on
it), since the marker stands in for a value the template never sees.
"""

import re
from dataclasses import dataclass, field
from html import escape

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language

from torget.alerts import actions
from torget.alerts.models import Subscription, SubscriptionKind
from torget.reports.models import Report, Update

# A digest lists this many entries under each heading, and counts the rest: a person who
# follows Oslo on a busy day wants a summary and a link, not a hundred reports.
MAX_ENTRIES = 20


@dataclass(frozen=True)
class Entry:
    """One line of a digest: a new or fixed report, or an update on a followed report."""

    kind: str
    report: Report
    update: Update | None = None


@dataclass
class Section:
    """One heading of a digest: a followed report's updates, or one subscription's reports."""

    subscription: Subscription
    entries: list[Entry] = field(default_factory=list)
    # Entries beyond MAX_ENTRIES, counted, not listed: the link shows them all.
    more: int = 0

    @property
    def full(self) -> bool:
        """Whether further entries are only counted."""
        return len(self.entries) >= MAX_ENTRIES

    def add(self, entry: Entry) -> None:
        if self.full:
            self.more += 1
        else:
            self.entries.append(entry)

    def unsubscribe_url(self, links: "Links") -> str:
        return links.unsubscribe(self.subscription.user_id, [self.subscription.pk])

    def more_url(self, links: "Links") -> str:
        """Where all of this section's reports are listed."""
        subscription = self.subscription
        if subscription.kind == SubscriptionKind.REPORT and subscription.report is not None:
            return links.report(subscription.report.pk)
        if subscription.kind == SubscriptionKind.BODY and subscription.body is not None:
            return links.body(subscription.body.slug)
        if subscription.kind == SubscriptionKind.AREA and subscription.area is not None:
            area = subscription.area
            lat, lon = (area.min_lat + area.max_lat) / 2, (area.min_lon + area.max_lon) / 2
        else:
            lat, lon = subscription.lat or 0.0, subscription.lon or 0.0
        return f"{links.around}?lat={lat:.6f}&lon={lon:.6f}"


class Links:
    """The links of a run's digests. Each URL pattern is reversed once, with a stand-in that
    is then replaced: reverse() for every link of every digest took a fifth of the rendering.
    What replaces the stand-in (ids, slugs, signed tokens of letters, digits, "-", "_", ":"
    and ",") is what reverse() would have put there unquoted."""

    STAND_IN = "4815162342"

    def __init__(self) -> None:
        self.unsubscribe_pattern = self.reversed("alerts:unsubscribe")
        self.report_pattern = self.reversed("reports:detail")
        self.body_pattern = self.reversed("reports:body")
        self.around = settings.BASE_URL + reverse("reports:around")
        self.mine = settings.BASE_URL + reverse("alerts:mine")

    def reversed(self, name: str) -> str:
        return settings.BASE_URL + reverse(name, args=[self.STAND_IN])

    def unsubscribe(self, user_id: int, subscription_ids: list[int]) -> str:
        token = actions.unsubscribe_token(user_id, subscription_ids)
        return self.unsubscribe_pattern.replace(self.STAND_IN, token)

    def report(self, report_id: int) -> str:
        return self.report_pattern.replace(self.STAND_IN, str(report_id))

    def body(self, slug: str) -> str:
        return self.body_pattern.replace(self.STAND_IN, slug)


# Characters from Unicode's private use area: no text or template produces them, and HTML
# escaping leaves them alone.
MARK_START, MARK_END = "\ue000", "\ue001"
MARKED = re.compile(f"{MARK_START}(\\w+){MARK_END}")


class Layout:
    """A template rendered once, with a marker where each named value goes, and cut at the
    markers. `fill` puts the values in: it is string joining, about a hundred times faster
    than rendering the template."""

    def __init__(self, template_name: str, context: dict[str, object], names: list[str]) -> None:
        markers = {name: f"{MARK_START}{name}{MARK_END}" for name in names}
        rendered = render_to_string(template_name, {**context, **markers})
        # Literal text at even positions, value names at odd ones.
        self.pieces = MARKED.split(rendered)

    def fill(self, values: dict[str, str]) -> str:
        pieces = self.pieces
        out = [pieces[0]]
        for index in range(1, len(pieces), 2):
            out.append(values[pieces[index]])
            out.append(pieces[index + 1])
        return "".join(out)


SECTION_VALUES = ["heading", "entries", "more_url", "unsubscribe_url"]
FRAME_VALUES = ["name", "sections", "unsubscribe_url", "mine_url"]


class Lines:
    """What a run renders once and reuses in every digest: each entry's text and HTML, and the
    digest's layouts, per language."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str, int], tuple[str, str]] = {}
        self.layouts: dict[tuple[str, str, int | bool], Layout] = {}
        self.links = Links()

    def of(self, entry: Entry, language: str) -> tuple[str, str]:
        pk = entry.update.pk if entry.update is not None else entry.report.pk
        key = (language, entry.kind, pk)
        if key not in self.cache:
            context = {
                "entry": entry,
                "report": entry.report,
                "update": entry.update,
                "url": self.links.report(entry.report.pk),
            }
            self.cache[key] = (
                render_to_string("emails/alert_entry.txt", context).strip(),
                render_to_string("emails/alert_entry.html", context).strip(),
            )
        return self.cache[key]

    def section(self, suffix: str, language: str, more: int) -> Layout:
        """A section's layout. `more` is rendered, not marked: its plural depends on it."""
        key = (f"section.{suffix}", language, more)
        if key not in self.layouts:
            self.layouts[key] = Layout(
                f"emails/alert_digest_section.{suffix}", {"more": more}, SECTION_VALUES
            )
        return self.layouts[key]

    def frame(self, suffix: str, language: str, named: bool) -> Layout:
        """The e-mail around the sections, with a greeting by name or without."""
        key = (f"frame.{suffix}", language, named)
        if key not in self.layouts:
            self.layouts[key] = Layout(
                f"emails/alert_digest.{suffix}", {"named": named}, FRAME_VALUES
            )
        return self.layouts[key]


@dataclass
class AlertDigest:
    sections: list[Section]
    lines: Lines

    @property
    def subscription_ids(self) -> list[int]:
        return [section.subscription.pk for section in self.sections]

    @property
    def unsubscribe_url(self) -> str:
        """Stops every subscription this digest is about."""
        return self.lines.links.unsubscribe(
            self.sections[0].subscription.user_id, self.subscription_ids
        )

    @property
    def mine_url(self) -> str:
        return self.lines.links.mine

    @property
    def item_count(self) -> int:
        return sum(len(section.entries) + section.more for section in self.sections)

    def render(self, name: str, unsubscribe_url: str) -> tuple[str, str]:
        """The e-mail's text and HTML, in the active language: call it inside
        translation.override(). Values are escaped with the standard library's html.escape,
        as Django's escape does, without its lazy-string wrapper: a third of a million calls
        a run."""
        language = get_language() or settings.LANGUAGE_CODE
        links = self.lines.links
        texts, htmls = [], []
        for section in self.sections:
            pairs = [self.lines.of(entry, language) for entry in section.entries]
            heading = section.subscription.description()
            more_url = section.more_url(links) if section.more else ""
            stop_url = section.unsubscribe_url(links)
            texts.append(
                self.lines.section("txt", language, section.more).fill(
                    {
                        "heading": heading,
                        "entries": "\n".join(text for text, _ in pairs),
                        "more_url": more_url,
                        "unsubscribe_url": stop_url,
                    }
                )
            )
            htmls.append(
                self.lines.section("html", language, section.more).fill(
                    {
                        "heading": escape(heading),
                        # Each line is a rendered template, escaped there.
                        "entries": "\n".join(html for _, html in pairs),
                        "more_url": escape(more_url),
                        "unsubscribe_url": escape(stop_url),
                    }
                )
            )
        frame = {"name": name, "unsubscribe_url": unsubscribe_url, "mine_url": self.mine_url}
        text = self.lines.frame("txt", language, bool(name)).fill(
            {**frame, "sections": "".join(texts)}
        )
        html = self.lines.frame("html", language, bool(name)).fill(
            {
                "name": escape(name),
                "sections": "".join(htmls),
                "unsubscribe_url": escape(unsubscribe_url),
                "mine_url": escape(self.mine_url),
            }
        )
        return text, html
