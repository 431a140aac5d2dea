import logging
import sys
from argparse import ArgumentParser
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, DataError

from torget.delivery import inbound
from torget.reports.models import HeldReply

log = logging.getLogger(__name__)

# sysexits.h: what an MTA's pipe transport understands. EX_TEMPFAIL keeps the message queued
# and tried again later; the others bounce it to the sender with our message.
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = (
        "Read one e-mail (RFC 822) on standard input: a body's reply to a report, sent to the "
        "report's reply+...@TORGET_REPLY_EMAIL_DOMAIN address. It becomes an update on the "
        "report with the body's badge, without quoted text and signature, and the reporter is "
        "told. For an MTA pipe, e.g. Postfix: `torget inbound-email --recipient ${recipient}`. "
        "Exit status 0 when accepted (automatic replies are accepted and dropped), 67 for an "
        "unknown address and 65 for mail that has no text of its own or that the database refuses "
        "(the MTA bounces both), 75 when the database cannot be reached (the MTA tries again "
        "later). NUL characters in the text are dropped."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--recipient",
            default="",
            help="the envelope recipient, when the MTA gives it (looked at before the headers)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin: BinaryIO = options.get("stdin") or sys.stdin.buffer
        raw = stdin.read()
        try:
            update = inbound.receive_reply(raw, recipient=options["recipient"])
        except inbound.Ignored as reason:
            self.stdout.write(f"Accepted and dropped: {reason}")
            return
        except inbound.UnknownAddress as error:
            raise CommandError(str(error), returncode=EX_NOUSER) from error
        except inbound.BadMessage as error:
            raise CommandError(str(error), returncode=EX_DATAERR) from error
        except DataError as error:
            # The database refuses this message's content, and would refuse it every time:
            # keeping it queued would only retry it for days.
            log.exception("Inbound e-mail refused by the database")
            raise CommandError(
                f"The database cannot store this e-mail: {error}", returncode=EX_DATAERR
            ) from error
        except DatabaseError as error:
            message = f"Database error, try again later: {error}"
            raise CommandError(message, returncode=EX_TEMPFAIL) from error
        except Exception as error:
            # A bug should keep the reply in the MTA's queue, not bounce it: once fixed, the
            # MTA's next try gets it through.
            log.exception("Inbound e-mail failed")
            message = f"Unexpected error, try again later: {error!r}"
            raise CommandError(message, returncode=EX_TEMPFAIL) from error
        if isinstance(update, HeldReply):
            self.stdout.write(f"Held for review ({update.pk}) on report {update.report_id}.")
        else:
            self.stdout.write(f"Update {update.pk} on report {update.report_id}.")
