"""What the features do when something happens to a report.

reports is the core record: it does not import the features above it (delivery, alerts, the
apps to come). Each feature registers its handlers here in its AppConfig.ready(), and the
actions in reports/actions.py call them inside their own transaction, so whatever a handler
records (a delivery, a subscription, a queued notice) commits or rolls back with the change
that called for it. The lists are plain data, read by tests/test_layers.py.

A feature can also count something it keeps about reports for the core's figures (a body's
page, reports/stats.py): alerts counts how reporters answered "has it been fixed?".
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torget.accounts.models import User
    from torget.reports.models import Report, ReportQuerySet, Update
    from torget.reports.stats import QuestionnaireAnswers


@dataclass
class Handlers:
    # A public report may have a body it has not reached yet: it was just confirmed (or made
    # by someone whose address is proven), or it moved to another body's category.
    report_due: list[Callable[["Report"], object]] = field(default_factory=list)
    # Someone wrote on a report, supported it or reported it: they follow it from now on.
    took_part: list[Callable[["User", "Report"], object]] = field(default_factory=list)
    # A citizen's update or a reopening, which the bodies that have the report hear of.
    citizen_update: list[Callable[["Update"], object]] = field(default_factory=list)
    # A body answered, by whatever channel (web, e-mail, Open311): the reporter is told.
    body_answered: list[Callable[["Update"], object]] = field(default_factory=list)
    # Staff marked a report a duplicate of another (the duplicate, the original): those who
    # followed the duplicate follow the original too.
    duplicate_marked: list[Callable[["Report", "Report"], object]] = field(default_factory=list)
    # What the reporters asked "has it been fixed?" answered about some reports.
    questionnaire_answers: list[Callable[["ReportQuerySet"], "QuestionnaireAnswers"]] = field(
        default_factory=list
    )


handlers = Handlers()


def register[T](hook: list[T], handler: T) -> None:
    """Add a handler once; ready() may run more than once in tests."""
    if handler not in hook:
        hook.append(handler)
