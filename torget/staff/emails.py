"""The e-mails the staff workspace writes: the managers' daily list of overdue reports."""

from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, ngettext, override

from torget.accounts.models import User
from torget.lib.emails import compose, language
from torget.places.models import Body
from torget.staff.models import Handling


@dataclass(frozen=True)
class OverdueList:
    body: Body
    rows: list[Handling]  # the most overdue first, at most targets.MOST_LISTED
    count: int  # all of them
    inbox_url: str

    @property
    def unlisted(self) -> int:
        return self.count - len(self.rows)


def overdue_reports(manager: User, overdue: OverdueList) -> EmailMultiAlternatives:
    with override(language(manager.language, overdue.body.language)):
        subject = ngettext(
            "%(body)s: %(count)d report is past its target",
            "%(body)s: %(count)d reports are past their target",
            overdue.count,
        ) % {"body": overdue.body.name, "count": overdue.count}
        context = {"user": manager, "overdue": overdue, "heading": gettext("Past the target")}
        return compose("overdue_reports", subject, manager.email, context)
