"""The "has it been fixed?" questionnaire.

Four weeks (ASK_AFTER) after a report first reached a body (`Report.delivered`, which
delivery records), its reporter is asked by e-mail whether the problem has been fixed: yes,
no, or don't know, with an optional update. While the report stays open the question comes
again every four weeks.

The reporter is also asked once when someone else (usually the body) has marked the report
fixed, if that happened recently (FIXED_RECENTLY): the reporter is the one who knows whether
the street light really works again, and a "no" then reopens the report and tells the body.
A report the reporter marked fixed themselves, or that is closed (not the body's
responsibility, a duplicate...), is not asked about.

Each question is recorded as a Questionnaire row, with its e-mail in the outbox, in the same
transaction that checks it is due, so a worker killed mid-run never asks anyone twice in a
period, two workers never both ask, and a mail server that is down delays the question
rather than losing it.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from torget.alerts import emails
from torget.alerts.models import Answer, Questionnaire
from torget.lib.signing import make_token, read_token
from torget.mail.actions import record
from torget.reports import actions
from torget.reports.models import (
    FIXED_STATES,
    OPEN_STATES,
    Report,
    ReportQuerySet,
    State,
    Update,
)
from torget.reports.stats import QuestionnaireAnswers

ASK_AFTER = datetime.timedelta(weeks=4)
# "Fixed" said by someone else is put to the reporter only while it is news; a report fixed
# long before questionnaires were switched on is not dug up.
FIXED_RECENTLY = 2 * ASK_AFTER
# Long enough to answer after a holiday; the next round brings a fresh link anyway.
LINK_VALID_FOR = 2 * ASK_AFTER
# Per run (the worker runs this every hour): bounds a run's time when a backlog builds up.
BATCH = 500
LINK_PURPOSE = "questionnaire"


class AlreadyAnswered(Exception):
    """Each question is answered once; the first answer stands."""


def due_reports(now: datetime.datetime) -> ReportQuerySet:
    """Public reports whose reporter should be asked now (see the module's docstring)."""
    cutoff = now - ASK_AFTER
    asked_lately = Questionnaire.objects.filter(report=OuterRef("pk"), sent__gt=cutoff)
    asked_since_fixed = Questionnaire.objects.filter(report=OuterRef("pk")).filter(
        Q(sent__gte=OuterRef("fixed")) | Q(answered__gte=OuterRef("fixed"))
    )
    fixed_by_reporter = Update.objects.filter(
        report=OuterRef("pk"),
        author=OuterRef("reporter"),
        new_state=State.FIXED,
        created__gte=OuterRef("fixed"),
    )
    fixed_by_someone_else = (
        Q(state__in=FIXED_STATES, fixed__gte=now - FIXED_RECENTLY)
        & ~Exists(asked_since_fixed)
        & ~Exists(fixed_by_reporter)
    )
    return (
        Report.objects.public()
        .filter(Q(state__in=OPEN_STATES) | fixed_by_someone_else)
        .filter(delivered__lte=cutoff, reporter__is_active=True)
        .exclude(Exists(asked_lately))
    )


def send_due_questionnaires(now: datetime.datetime | None = None) -> int:
    """Ask the reporters of the reports that are due (see due_reports); return how many were
    asked. `now` is for tests; the worker passes nothing."""
    now = now or timezone.now()
    asked = 0
    for report_id in due_reports(now).order_by("pk").values_list("pk", flat=True)[:BATCH]:
        asked += ask(report_id, now)
    return asked


@transaction.atomic
def ask(report_id: int, now: datetime.datetime) -> bool:
    """Record the question and its e-mail in the outbox, if the report is still due once its
    row is locked. The outbox sends it, and tries again while the mail server is down."""
    locked = Report.objects.select_for_update().filter(pk=report_id).first()
    if locked is None or not due_reports(now).filter(pk=report_id).exists():
        return False
    report = (
        Report.objects.select_related("reporter", "category__body")
        .prefetch_related("bodies")
        .get(pk=report_id)
    )
    questionnaire = Questionnaire.objects.create(
        report=report, sent=now, state_when_sent=report.state
    )
    message = emails.questionnaire(
        questionnaire, answer_url(questionnaire), fallback_language=report.category.body.language
    )
    record(message)
    return True


def answers_about(reports: ReportQuerySet) -> QuestionnaireAnswers:
    """The answers given about these reports, in one query: for a body's figures, which
    reports/stats.py asks through the handler registered in AlertsConfig.ready()."""
    rows = (
        Questionnaire.objects.filter(report__in=reports, answered__isnull=False)
        .order_by()
        .values("answer")
        .annotate(n=Count("id"))
        .values_list("answer", "n")
    )
    counts = dict(rows)
    return QuestionnaireAnswers(
        fixed=counts.get(Answer.FIXED, 0),
        not_fixed=counts.get(Answer.NOT_FIXED, 0),
        dont_know=counts.get(Answer.DONT_KNOW, 0),
    )


def answer_url(questionnaire: Questionnaire) -> str:
    token = make_token(LINK_PURPOSE, str(questionnaire.pk))
    return settings.BASE_URL + reverse("questionnaire:answer", args=[token])


def questionnaire_for(token: str) -> Questionnaire:
    """The questionnaire a link names; raises lib.signing.BadToken / ExpiredToken, or
    Questionnaire.DoesNotExist when it has gone."""
    pk = read_token(LINK_PURPOSE, token, max_age_seconds=int(LINK_VALID_FOR.total_seconds()))
    return Questionnaire.objects.select_related(
        "report__reporter", "report__category", "update"
    ).get(pk=int(pk))


@transaction.atomic
def answer_questionnaire(
    *,
    questionnaire: Questionnaire,
    answer: str,
    text: str = "",
    now: datetime.datetime | None = None,
) -> Questionnaire:
    """Record the reporter's answer and act on it.

    "Yes" on an open report marks it fixed, as an update by the reporter. "No" on a report
    marked fixed (by the body, most often) reopens it and tells the body, as the reporter
    reopening it by hand would. Any other answer changes nothing but is recorded for the
    statistics; a "no" on a report the body has closed leaves it closed, since the body said
    it will not act. Text written with the answer becomes the reporter's update either way.
    """
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if locked.answered is not None:
        raise AlreadyAnswered
    report = questionnaire.report
    reporter = report.reporter
    actions.lock_lifecycle(report)
    if reporter is None:
        raise actions.NotAllowed("The reporter's account is erased.")
    if not report.is_public:
        raise actions.NotAllowed("The report is no longer public.")
    update: Update | None = None
    if answer == Answer.FIXED and report.group == "open":
        update = actions.add_update(
            report=report,
            author=reporter,
            text=text,
            photos=[],
            mark_fixed=True,
            show_name=report.show_name,
        )
    elif answer == Answer.NOT_FIXED and report.group == "fixed":
        update = actions.reopen_report(report=report, by=reporter, reason=text)
    elif text:
        update = actions.add_update(
            report=report, author=reporter, text=text, photos=[], show_name=report.show_name
        )
    questionnaire.answer = answer
    questionnaire.answered = now or timezone.now()
    questionnaire.update = update
    questionnaire.save(update_fields=["answer", "answered", "update"])
    return questionnaire
