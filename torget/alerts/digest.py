"""The alert e-mail: one per person per run, in sections, each section one subscription.

Each e-mail is rendered from emails/alert_digest.txt and .html with Django's templates and
composed with Django's mail API (the standard library's email package underneath). One thing
is kept from rendering everything per person: each entry (a new report, an update) is
rendered once per run and language (`Entries`) and reused in every digest that lists it, as
the same new report in Oslo goes to thousands of people.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext, override

from torget.accounts.models import User
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

    def more_url(self) -> str:
        """Where all of this section's reports are listed."""
        subscription = self.subscription
        if subscription.kind == SubscriptionKind.REPORT and subscription.report is not None:
            return report_url(subscription.report.pk)
        if subscription.kind == SubscriptionKind.BODY and subscription.body is not None:
            return settings.BASE_URL + reverse("reports:body", args=[subscription.body.slug])
        if subscription.kind == SubscriptionKind.AREA and subscription.area is not None:
            area = subscription.area
            lat, lon = (area.min_lat + area.max_lat) / 2, (area.min_lon + area.max_lon) / 2
        else:
            lat, lon = subscription.lat or 0.0, subscription.lon or 0.0
        return f"{settings.BASE_URL}{reverse('reports:around')}?lat={lat:.6f}&lon={lon:.6f}"


def report_url(report_id: int) -> str:
    return settings.BASE_URL + reverse("reports:detail", args=[report_id])


class Entries:
    """Each entry's text and HTML per language, rendered once a run."""

    def __init__(self) -> None:
        self.rendered: dict[tuple[str, str, int], tuple[str, SafeString]] = {}

    def of(self, entry: Entry, language: str) -> tuple[str, SafeString]:
        pk = entry.update.pk if entry.update is not None else entry.report.pk
        key = (language, entry.kind, pk)
        if key not in self.rendered:
            context = {
                "entry": entry,
                "report": entry.report,
                "update": entry.update,
                "url": report_url(entry.report.pk),
            }
            # The HTML template escapes what people wrote; its output is safe to embed.
            self.rendered[key] = (
                render_to_string("emails/alert_entry.txt", context).strip(),
                mark_safe(render_to_string("emails/alert_entry.html", context).strip()),
            )
        return self.rendered[key]


@dataclass
class AlertDigest:
    sections: list[Section]
    entries: Entries

    @property
    def subscription_ids(self) -> list[int]:
        return [section.subscription.pk for section in self.sections]

    def unsubscribe_url(self) -> str:
        """Stops every subscription this digest is about."""
        return actions.unsubscribe_url(self.sections[0].subscription.user_id, self.subscription_ids)

    @property
    def item_count(self) -> int:
        return sum(len(section.entries) + section.more for section in self.sections)

    def render(self, name: str, unsubscribe_url: str) -> tuple[str, str]:
        """The e-mail's text and HTML, in the active language: call it inside
        translation.override()."""
        language = get_language() or settings.LANGUAGE_CODE
        texts, htmls = [], []
        for section in self.sections:
            pairs = [self.entries.of(entry, language) for entry in section.entries]
            heading = section.subscription.description()
            common = {
                "heading": heading,
                "more": section.more,
                "more_url": section.more_url() if section.more else "",
                "unsubscribe_url": actions.unsubscribe_url(
                    section.subscription.user_id, [section.subscription.pk]
                ),
            }
            texts.append({**common, "lines": [text for text, _ in pairs]})
            htmls.append({**common, "lines": [html for _, html in pairs]})
        context = {
            "name": name,
            "unsubscribe_url": unsubscribe_url,
            "mine_url": settings.BASE_URL + reverse("alerts:mine"),
        }
        text = render_to_string("emails/alert_digest.txt", {**context, "sections": texts})
        html = render_to_string("emails/alert_digest.html", {**context, "sections": htmls})
        return text, html


def digest_message(user: User, digest: AlertDigest) -> EmailMultiAlternatives:
    """Everything new for one person in one run of the alert job, with RFC 8058 one-click
    unsubscribe: a POST to the List-Unsubscribe address stops the subscriptions this e-mail
    is about, without a login."""
    unsubscribe_url = digest.unsubscribe_url()
    with override(user.language or settings.LANGUAGE_CODE):
        count = digest.item_count
        subject = ngettext(
            "Torget: %(count)d new item you follow",
            "Torget: %(count)d new items you follow",
            count,
        ) % {"count": count}
        text, html = digest.render(user.name, unsubscribe_url)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # RFC 3834: an automatic message, so vacation responders do not answer it.
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(subject, text, to=[user.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message
