"""A body's e-mailed answer comes back as an update on the report.

Every e-mail to a body has a Reply-To unique to the report and the body,
reply+<report>-<body>-<code>@REPLY_EMAIL_DOMAIN, where the code is an HMAC of the two ids, so
an address cannot be guessed from another. The MTA pipes a reply to `torget inbound-email`, or
a mail provider posts it to the webhook; both end in receive_reply().

The code is lower-case hex rather than a django.core.signing token: a signed token holds
colons (not allowed unquoted in an address), is case-sensitive (some MTAs fold the local part
to lower case) and is too long for the 64 characters RFC 5321 allows a local part.
"""

import email
import email.policy
import re
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from torget.delivery.models import Delivery
from torget.reports import actions, moderation
from torget.reports.models import HeldReply, InvalidTransition, Report, Update

REPLY_PURPOSE = "torget.report-reply"
REPLY_LOCAL_PART = re.compile(r"^reply\+(\d+)-(\d+)-([0-9a-f]{20})$", re.IGNORECASE)
# Where an MTA or the sender may have put the address the reply was sent to.
ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


class InboundError(Exception):
    """The e-mail cannot become an update; the message says why, for the MTA's bounce."""


class UnknownAddress(InboundError):
    """No reply address of a report that was sent to a body (EX_NOUSER)."""


class BadMessage(InboundError):
    """Not an e-mail, or one with no text of its own (EX_DATAERR)."""


class Ignored(Exception):
    """An automatic message (an out-of-office reply, say): accepted, and dropped, so that a
    holiday notice never lands on a public report."""


def reply_code(report_id: int, body_id: int) -> str:
    return salted_hmac(REPLY_PURPOSE, f"{report_id}:{body_id}", algorithm="sha256").hexdigest()[:20]


def reply_address(report_id: int, body_id: int) -> str:
    code = reply_code(report_id, body_id)
    return f"reply+{report_id}-{body_id}-{code}@{settings.REPLY_EMAIL_DOMAIN}"


def read_reply_address(address: str) -> tuple[int, int] | None:
    """(report id, body id) when the address is a genuine reply address, else None."""
    match = REPLY_LOCAL_PART.match(address.rpartition("@")[0].strip())
    if match is None:
        return None
    report_id, body_id = int(match[1]), int(match[2])
    if not constant_time_compare(match[3].lower(), reply_code(report_id, body_id)):
        return None
    return report_id, body_id


@transaction.atomic
def receive_reply(raw: bytes, *, recipient: str = "") -> Update | HeldReply:
    """Record a body's e-mailed reply as its answer (reports.actions.record_body_answer: an
    update with the body's badge, and the reporter told), or, for a body that reviews its
    e-mailed replies first, keep it for review in the staff inbox (a HeldReply). The same
    reply delivered twice (an MTA retrying after a lost answer, a webhook posting again) is
    recorded once."""
    message = parse(raw)
    if is_automatic(message):
        raise Ignored("An automatic reply (Auto-Submitted, Precedence or X-Autoreply).")
    delivery = delivery_addressed(addresses_of(message, recipient))
    text = without_reporter_name(reply_text(message), delivery.report)
    # The row lock makes a second copy of the reply, arriving at the same moment, wait here
    # and then find the first one.
    report = Report.objects.select_for_update().get(pk=delivery.report_id)
    if delivery.body.review_email_replies:
        return hold(report, delivery, text)
    earlier = Update.objects.filter(
        report=report, body_id=delivery.body_id, author=None, text=text
    ).first()
    if earlier is not None:
        return earlier
    try:
        return actions.record_body_answer(report=report, body=delivery.body, text=text)
    except InvalidTransition as error:
        raise Ignored(str(error)) from error


def hold(report: Report, delivery: Delivery, text: str) -> HeldReply:
    earlier = HeldReply.objects.filter(report=report, body_id=delivery.body_id, text=text).first()
    if earlier is not None:
        return earlier
    try:
        return moderation.hold_body_answer(report=report, body=delivery.body, text=text)
    except InvalidTransition as error:
        raise Ignored(str(error)) from error


def without_reporter_name(text: str, report: Report) -> str:
    """The reporter's full name, where the reporter did not choose to show it, is not
    published with the body's answer ("Vi har snakket med Kari Nordmann" becomes "Vi har
    snakket med …"). A first name alone stays: "Per" is also a word ("per dag")."""
    name = report.name_for_body().strip()
    if report.show_name or len(name.split()) < 2:
        return text
    words = r"\s+".join(re.escape(word) for word in name.split())
    return re.sub(rf"(?<!\w){words}(?!\w)", "…", text, flags=re.IGNORECASE)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise BadMessage("This is not an e-mail message: it has no headers.")
    return message


def is_automatic(message: EmailMessage) -> bool:
    """RFC 3834's Auto-Submitted, and the older signs that vacation responders still use."""
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        auto_submitted != "no"
        or precedence in ("auto_reply", "bulk", "junk")
        or "X-Autoreply" in message
        or "X-Autorespond" in message
    )


def addresses_of(message: EmailMessage, recipient: str = "") -> list[str]:
    values = [recipient] if recipient else []
    for header in ADDRESS_HEADERS:
        values += [str(value) for value in message.get_all(header, [])]
    return [address for _name, address in getaddresses(values) if address]


def delivery_addressed(addresses: Iterable[str]) -> Delivery:
    """The delivery named by the first genuine reply address among `addresses`."""
    for address in addresses:
        ids = read_reply_address(address)
        if ids is None:
            continue
        delivery = Delivery.objects.filter(report_id=ids[0], body_id=ids[1]).first()
        if delivery is not None:
            return delivery
    raise UnknownAddress("No report has this reply address.")


def reply_text(message: EmailMessage) -> str:
    """The body's own words: the plain-text part (or the HTML one as text), without the
    quoted e-mail and the signature."""
    part = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(part, EmailMessage):
        raise BadMessage("The e-mail has no text part.")
    # A NUL is no part of anyone's words, and PostgreSQL cannot store one: it goes, the reply
    # stays.
    text = decoded_text(part).replace("\x00", "")
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    trimmed = trim_reply(text)
    if not trimmed:
        raise BadMessage("The reply has no text of its own, only quoted text or a signature.")
    return trimmed


def decoded_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        # An unknown or wrong charset: a few odd characters beat losing the reply.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


# A line that starts what was quoted from the e-mail being answered. Mail programs write
# "On <date>, <name> wrote:" (English), "Den <date> skrev <name>:" (Thunderbird in Norwegian)
# or "man. 4. mar. 2024 kl. 12:00 skrev <name>:" (Gmail and Apple Mail in Norwegian).
QUOTE_HEADER = re.compile(r"^((on|den)\b.*|\S*\s*)\d.*\b(wrote|skrev)\b.*:$", re.IGNORECASE)
ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(original message|opprinnelig melding|original melding|forwarded message"
    r"|videresendt melding)\s*-{2,}$",
    re.IGNORECASE,
)
# Outlook quotes with a block of headers, in the language of the program.
OUTLOOK_FROM = re.compile(r"^\*?(from|fra):\*?\s", re.IGNORECASE)
OUTLOOK_HEADER = re.compile(
    r"^\*?(sent|sendt|date|dato|to|til|subject|emne|cc|kopi):\*?\s", re.IGNORECASE
)
OUTLOOK_RULE = re.compile(r"^_{10,}$")
SIGNATURE = re.compile(
    r"^(--"
    r"|(m\.?v\.?h|vh)\b.*"
    r"|(med )?(ven+l[ie]ge?|beste|god|varm|mange) (hilsen|hilsener|helsing|helsingar)\b.*"
    r"|(best |kind |warm )?regards\b.*"
    r"|(sent from|sendt fra|send frå|get outlook for|hent outlook for)\b.*)$",
    re.IGNORECASE,
)
# A greeting alone ("Hilsen", "Helsing"), or with only a name after it ("Hilsen Kari",
# "Helsing frå Per Olsen"): the start of a signature. A sentence that merely begins with the
# word ("Hilsen fra oss alle er at ...") has more words than a name, so it stays.
BARE_GREETING = re.compile(
    r"^(?i:(med )?(hilsen|hilsener|helsing|helsingar|greetings)( (fra|frå|from))?)[,.!]?"
    r"( +[A-ZÆØÅ][\w.'-]*){0,3}[,.!]?$"
)
# The first line, when it only greets someone by name ("Hei Kari,", "Hei Kari Nordmann!",
# "Kjære Ola"): the reporter's name would be published with the answer. The names are
# capitalised, so "Hei, vi har fylt hullet" is not one.
SALUTATION = re.compile(
    r"^(?i:hei|hallo|heisann|god dag|goddag|kjære|til|dear|hi|hello)\b,?"
    r"( +[A-ZÆØÅ][\w.'-]*){0,3}\s*[,!.:]?$"
)
# Lines of a signature block without a greeting: a phone number, an address, a web page.
CONTACT_LINE = re.compile(
    r"(\b(tlf|tel|telefon|mobil|mob|phone|e-post|epost|e-mail|email|www)\b[.:]?"
    r"|\+?\d[\d ]{6,}\d|\S+@\S+\.\w+|https?://)",
    re.IGNORECASE,
)
NAME_LINE = re.compile(r"^[A-ZÆØÅ][\w'.-]+( [A-ZÆØÅ][\w'.-]+){1,3}$")


def trim_reply(text: str) -> str:
    """The text above the quoted e-mail and the signature, without ">" lines, a greeting of
    the reporter by name, or a closing block of names and contact details."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = lines[: end_of_reply(lines)]
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    kept = without_salutation(kept)
    kept = without_signature_block(kept)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def end_of_reply(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if SIGNATURE.match(stripped) or ORIGINAL_MESSAGE.match(stripped):
            return index
        if BARE_GREETING.match(stripped) and index > first_text(lines):
            return index
        if OUTLOOK_RULE.match(stripped) or starts_quote(lines, index):
            return index
    return len(lines)


def is_sentence(line: str) -> bool:
    long = len(line) > 60 or (line.endswith(".") and len(line.split()) >= 4)
    return long or line.endswith(("?", "!"))


def first_text(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.strip()), len(lines))


def without_salutation(lines: list[str]) -> list[str]:
    """Drop a first line that only greets someone, as long as words follow it."""
    first = first_text(lines)
    if first < len(lines) - 1 and SALUTATION.match(lines[first].strip()):
        return lines[first + 1 :]
    return lines


def without_signature_block(lines: list[str]) -> list[str]:
    """Drop a last paragraph that is a signature without a greeting: a few short lines
    without sentences, with a name or contact details among them ("Kari Nordmann /
    Kongsvinger kommune / Tlf. 62 88 50 00"). The reply's only paragraph is always kept."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = [line.strip() for line in lines[start:end]]
    if not start or not block or len(block) > 6:
        return lines
    sentence = any(is_sentence(line) for line in block)
    signed = any(NAME_LINE.match(line) or CONTACT_LINE.search(line) for line in block)
    return lines if sentence or not signed else lines[:start]


def starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if OUTLOOK_FROM.match(line):
        following = lines[index + 1 : index + 6]
        return any(OUTLOOK_HEADER.match(other.strip()) for other in following)
    if QUOTE_HEADER.match(line):
        return True
    # Long headers are wrapped, so "On <date>, <name> <address>" may end a line or two later;
    # the address in it tells such a header from a sentence that happens to end in "wrote:".
    for count in (2, 3):
        joined = " ".join(part.strip() for part in lines[index : index + count])
        if "@" in joined and QUOTE_HEADER.match(joined):
            return True
    return False


class TextFromHTML(HTMLParser):
    """Text of an HTML e-mail with its paragraphs, leaving out what it quotes."""

    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    SKIPPED = frozenset({"blockquote", "head", "script", "style", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BREAKS - {"br"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = TextFromHTML()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
