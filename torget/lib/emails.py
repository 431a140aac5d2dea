"""What every e-mail Torget writes has in common; the messages themselves are in the apps
that send them (accounts/emails.py, reports/emails.py, alerts/emails.py, delivery/emails.py).

Each message is written in the recipient's language: the one on their account, or else the
language of the request that caused it. Each has a plain-text body and an HTML alternative,
rendered from templates/emails/<name>.txt and .html.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import get_language

from torget.lib.text import header_text


def compose(
    template: str,
    subject: str,
    to: str,
    context: dict[str, Any],
    *,
    reply_to: str = "",
) -> EmailMultiAlternatives:
    """The message from templates/emails/<template>.txt and .html, in the active language."""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    # The last guard: whatever went into the subject, it is one line.
    message = EmailMultiAlternatives(
        header_text(subject), text, to=[to], reply_to=[reply_to] if reply_to else None
    )
    message.attach_alternative(html, "text/html")
    return message


def language(*choices: str) -> str:
    """The first language given (the account's, the request's...), else the active one."""
    return next((choice for choice in choices if choice), get_language())


def absolute(url: str) -> str:
    """Storage backends such as S3 give full URLs already; the filesystem gives paths."""
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def one_line(text: str) -> str:
    """Header-safe: a title is the citizen's words, and a line break would end the header."""
    return header_text(text)
