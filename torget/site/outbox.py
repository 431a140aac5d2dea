"""The demo's outbox: the e-mails Torget would have sent, readable in the browser so a
newcomer can follow a confirmation link. It exists only when DEBUG is on."""

import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from torget.lib.outbox import outbox_dir, parse, read_outbox

# The names OutboxBackend gives its files; anything else could walk out of the folder.
MESSAGE_NAME = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}\.eml")
URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence more often than it ends a link.
TRAILING = ".,;:!?)]'\""


@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    demo_only()
    # Not "messages": that name is django.contrib.messages' in every template.
    emails = [summary(name, message) for name, message in read_outbox()]
    return render(request, "site/outbox.html", {"emails": emails})


@require_safe
def message(request: HttpRequest, name: str) -> HttpResponse:
    demo_only()
    path = outbox_dir() / name
    if not MESSAGE_NAME.fullmatch(name) or not path.is_file():
        raise Http404
    parsed = parse(path.read_bytes())
    context = {"message": summary(name, parsed), "body": linkify(plain_text(parsed))}
    return render(request, "site/outbox_message.html", context)


def demo_only() -> None:
    # Checked on every request rather than in urls.py, which is read once at start-up.
    if not settings.DEBUG:
        raise Http404


def summary(name: str, message: EmailMessage) -> dict[str, Any]:
    try:
        sent = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        sent = None
    return {
        "name": name,
        "date": sent,
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
    }


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def linkify(text: str) -> SafeString:
    """The text escaped, with every http(s) address made a link."""
    pieces = []
    position = 0
    for match in URL.finditer(text):
        url = match.group().rstrip(TRAILING)
        pieces.append(escape(text[position : match.start()]))
        pieces.append(format_html('<a href="{}">{}</a>', url, url))
        position = match.start() + len(url)
    pieces.append(escape(text[position:]))
    # Safe: every piece was escaped above.
    return mark_safe("".join(pieces))
