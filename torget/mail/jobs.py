"""The outbox's periodic job, run by `torget worker`: send what is due, forget what is old."""

import datetime

from torget.lib.jobs import Job, periodic
from torget.mail.sending import forget_old, send_due

SWEEP_EVERY = datetime.timedelta(minutes=1)


def sweep_outbox() -> str:
    sent = send_due()
    forgotten = forget_old()
    return f"{sent} e-mails sent, {forgotten} old ones forgotten"


JOBS: list[Job] = [periodic("e-mails due", SWEEP_EVERY, sweep_outbox)]
