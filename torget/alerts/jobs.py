"""Alerts' periodic jobs, run by `torget worker`."""

import datetime

from torget.alerts.questionnaire import send_due_questionnaires
from torget.alerts.sending import send_due_alerts
from torget.lib.jobs import Job, periodic

# Alerts go out in batches: often enough to feel live, rarely enough to group items.
ALERT_EVERY = datetime.timedelta(minutes=15)
QUESTIONNAIRE_EVERY = datetime.timedelta(hours=1)


def send_alerts() -> str:
    return f"{send_due_alerts()} alert e-mails sent"


def send_questionnaires() -> str:
    return f"{send_due_questionnaires()} questionnaires sent"


JOBS: list[Job] = [
    periodic("alerts", ALERT_EVERY, send_alerts),
    periodic("questionnaires", QUESTIONNAIRE_EVERY, send_questionnaires),
]
