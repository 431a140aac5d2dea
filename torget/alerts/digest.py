"""The alert e-mail: one per person per run, in sections, each section one subscription.

Each e-mail is rendered from emails/alert_digest.txt and .html with Django's templates and
composed with Django's mail API. Two things are kept from doing everything per person the
usual way, because bench/alerts.py measured them:

- Each entry (a new report, an update) is rendered once per run and language (`Entries`)
  and reused in every digest that lists it: the same new report in Oslo goes to thousands.
- Over SMTP, `mime_bytes` writes the digest with the standard library's older email API
  (`email.mime` and the compat32 policy) rather than the newer one Django's mail API uses:
  about a third of the time a digest, which over a run of 47,000 digests is most of it.
"""

import functools
import uuid
from dataclasses import dataclass, field
from email import charset, policy
from email.generator import BytesGenerator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from io import BytesIO

from django.conf import settings
from django.core.mail import DNS_NAME, EmailMultiAlternatives, make_msgid
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


# Text parts as they are (8bit) when the server takes that (RFC 6152) and no line is longer
# than SMTP allows; quoted-printable otherwise. Both as Django's mail API would send them.
AS_IT_IS = charset.Charset("utf-8")
AS_IT_IS.body_encoding = None  # type: ignore[assignment]  # None is "as it is" (the docs)
QUOTED_PRINTABLE = charset.Charset("utf-8")
QUOTED_PRINTABLE.body_encoding = charset.QP
# RFC 5321 §4.5.3.1.6: a line of at most 1000 octets with its CRLF.
LONGEST_LINE = 998
OVER_SMTP = policy.compat32.clone(linesep="\r\n")


def mime_bytes(message: EmailMultiAlternatives, *, eight_bit: bool, to: str) -> bytes:
    """A digest as it goes over SMTP to `to` (the address as the server is to be given it):
    multipart/alternative with the text and the HTML, written with the email package's
    compat32 policy. Raises ValueError, as Django's mail API does, for a header value with a
    line break in it."""
    headers = {
        "Subject": str(message.subject),
        "From": from_header(str(message.from_email)),
        "To": to,
        "Date": formatdate(),
        "Message-ID": make_msgid(domain=DNS_NAME),
        **{name: str(value) for name, value in message.extra_headers.items()},
    }
    # A random boundary, so the email package need not search the body for a safe one.
    mime = MIMEMultipart("alternative", boundary=f"=_{uuid.uuid4().hex}")
    for name, value in headers.items():
        if value.splitlines() not in ([], [value]):
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        # A Header is RFC 2047 encoded words, as the email package documents.
        mime[name] = value if value.isascii() else Header(value, "utf-8", header_name=name)  # type: ignore[assignment]
    mime.attach(text_part(str(message.body), "plain", eight_bit))
    for content, mimetype in message.alternatives:
        mime.attach(text_part(str(content), mimetype.split("/", 1)[1], eight_bit))
    out = BytesIO()
    BytesGenerator(out, policy=OVER_SMTP).flatten(mime)
    return out.getvalue()


@functools.cache
def from_header(from_email: str) -> str:
    """The From address with a display name that is not ASCII encoded (RFC 2047): every
    digest of a run has the same one."""
    return formataddr(parseaddr(from_email), charset="utf-8")


def text_part(content: str, subtype: str, eight_bit: bool) -> MIMEText:
    encoded = content.encode()
    fits = max(map(len, encoded.splitlines()), default=0) <= LONGEST_LINE
    chosen = AS_IT_IS if eight_bit and fits else QUOTED_PRINTABLE
    return MIMEText(content, subtype, chosen)  # type: ignore[arg-type]  # a Charset is accepted
