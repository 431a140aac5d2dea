"""Which SMTP failures are permanent: the errors come from real conversations with a local
aiosmtpd where one can be had, so the test sees what smtplib really raises."""

import smtplib

import pytest

from tests.delivery.conftest import SmtpServer, free_port, smtp_server
from torget.lib.smtp import is_permanent

__all__ = ["smtp_server"]

MESSAGE = "From: torget@example.org\r\nTo: kari@example.org\r\nSubject: Hei\r\n\r\nHei.\r\n"


def send(port: int, recipients: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as connection:
        connection.sendmail("torget@example.org", recipients, MESSAGE)


def error_of(port: int, recipients: list[str] | None = None) -> BaseException:
    with pytest.raises((smtplib.SMTPException, OSError)) as caught:
        send(port, recipients or ["kari@example.org"])
    return caught.value


def test_a_recipient_refused_with_5xx_is_permanent(smtp_server: SmtpServer):
    smtp_server.refuse("550 No such user")
    assert is_permanent(error_of(smtp_server.port))


def test_a_recipient_refused_with_4xx_is_temporary(smtp_server: SmtpServer):
    smtp_server.refuse("451 Try again later")
    assert not is_permanent(error_of(smtp_server.port))


def test_recipients_refused_are_permanent_only_when_every_refusal_is_5xx():
    mixed = smtplib.SMTPRecipientsRefused(
        {"a@example.org": (550, b"No such user"), "b@example.org": (452, b"Mailbox full")}
    )
    all_5xx = smtplib.SMTPRecipientsRefused(
        {"a@example.org": (550, b"No such user"), "b@example.org": (553, b"Bad address")}
    )
    assert not is_permanent(mixed)
    assert is_permanent(all_5xx)
    assert not is_permanent(smtplib.SMTPRecipientsRefused({}))


def test_a_refused_connection_is_temporary():
    assert not is_permanent(error_of(free_port()))


def test_a_server_that_hangs_up_is_temporary(smtp_server: SmtpServer):
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=5) as connection:
        connection.ehlo()
        smtp_server.stop()
        with pytest.raises(smtplib.SMTPServerDisconnected) as caught:
            connection.sendmail("torget@example.org", ["kari@example.org"], MESSAGE)
    assert not is_permanent(caught.value)


def test_a_timeout_is_temporary():
    assert not is_permanent(TimeoutError("timed out"))
    assert not is_permanent(ConnectionResetError(104, "Connection reset by peer"))


def test_a_message_refused_with_5xx_is_permanent_and_with_4xx_temporary():
    assert is_permanent(smtplib.SMTPDataError(554, b"Message refused"))
    assert not is_permanent(smtplib.SMTPDataError(451, b"Local error"))


def test_a_refusal_of_the_configuration_is_temporary_even_with_5xx():
    """Wrong sender or login refuses every message alike; the operator fixes it."""
    assert not is_permanent(smtplib.SMTPSenderRefused(553, b"Sender refused", "x@example.org"))
    assert not is_permanent(smtplib.SMTPAuthenticationError(535, b"Bad credentials"))


def test_a_malformed_address_is_permanent():
    assert is_permanent(ValueError("Invalid address"))
    assert not is_permanent(RuntimeError("not an SMTP failure at all"))
