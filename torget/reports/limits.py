"""How many reports one e-mail address may make in an hour, whichever way they arrive: the
web form and the Open311 server count against the same limit, so a flood of confirmation
e-mails to one inbox cannot be spread over the two channels."""

from torget.limits import counters

REPORTS_PER_ADDRESS = 10
WINDOW_SECONDS = 3600


def count_report_from(email: str) -> bool:
    """Count one report from `email`; False when the address has used up its reports for the
    hour. Addresses differing only in case are one address."""
    key = "report:email:" + email.strip().lower()
    return counters.hit(key, REPORTS_PER_ADDRESS, WINDOW_SECONDS)
