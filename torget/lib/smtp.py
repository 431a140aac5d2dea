"""The one place that decides whether a failed SMTP send may succeed later.

Every sender of e-mail (deliveries to bodies, the outbox of e-mails to people, alert digests,
questionnaires) asks `is_permanent` rather than reading SMTP codes itself, so a refusal is
treated the same way whatever was being sent.

Permanent means "this message to this recipient will never go through as it is": the server
refused the recipient or the message with a 5xx reply (RFC 5321 §4.2.1), or the message could
not be written at all (a malformed address). Everything else may pass later and is retried: a
4xx reply, a refused or reset connection, a timeout, a server that hung up. A refusal of our
own sender address, a failed login or a refused HELO is also retried, even with a 5xx code:
they say the configuration is wrong, which refuses every message alike and which the operator
can fix, so giving up on each message would lose them all.
"""

import smtplib


def is_permanent(error: BaseException) -> bool:
    """Whether sending again cannot help (see the module's docstring)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Several recipients: permanent only if none of them might be accepted later.
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(is_permanent_code(code) for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return is_permanent_code(error.smtp_code)
    if isinstance(error, (smtplib.SMTPException, OSError)):
        return False
    # Django's and the email package's checks of an address or header raise ValueError
    # (UnicodeError included); the same message would fail the same way every time.
    return isinstance(error, ValueError)


def is_permanent_code(code: int) -> bool:
    return 500 <= code < 600


def is_about_the_message(error: BaseException) -> bool:
    """Whether the failure concerns this message alone (its recipient refused, its content
    refused or malformed), so the same SMTP connection can go on with the next one. After
    anything else (a refused, reset or timed-out connection, a server that hung up) the next
    message would fail the same way."""
    return isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, ValueError))
