"""Retention across the apps (lib/retention.py): the rules every app lists in its
retention.py, run by the daily job and by `torget retention`, and the worker's own rule for
the background tasks it has finished."""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django_tasks_db.models import DBTaskResult

from torget.lib.retention import Rule, days

log = logging.getLogger(__name__)


def finished_tasks(now: datetime.datetime) -> QuerySet[DBTaskResult]:
    """Their arguments and errors (an SMTP refusal names the address) are no use later."""
    cutoff = now - days(settings.KEEP_TASK_RESULTS_DAYS)
    return DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)


@transaction.atomic
def delete(rows: QuerySet[DBTaskResult]) -> int:
    return rows.delete()[1].get(DBTaskResult._meta.label, 0)


RULES = [
    Rule(
        "finished background tasks",
        lambda: f"finished more than {settings.KEEP_TASK_RESULTS_DAYS} days ago",
        finished_tasks,
        delete,
    )
]


def installed_rules() -> list[Rule]:
    """Every installed app's RULES, the highest app first (see lib/retention.py)."""
    found: list[Rule] = []
    for config in reversed(list(apps.get_app_configs())):
        if module_has_submodule(config.module, "retention"):
            found += import_module(f"{config.name}.retention").RULES
    return found


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    count: int


class DryRun(Exception):
    """Raised to roll a dry run back."""


def run(
    *,
    commit: bool,
    now: datetime.datetime | None = None,
    each: Callable[[Iterable[Rule]], Iterable[Rule]] = iter,
) -> list[Outcome]:
    """Apply every rule, in one transaction per rule; a dry run does the same in one
    transaction rolled back at the end, so its counts are what a real run would act on.
    `each` wraps the rules (a progress bar)."""
    now = now or timezone.now()
    rules = installed_rules()
    if commit:
        return [Outcome(rule, rule.run(now)) for rule in each(rules)]
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic():
            outcomes = [Outcome(rule, rule.run(now)) for rule in each(rules)]
            raise DryRun
    except DryRun:
        pass
    return outcomes


def summary(outcomes: list[Outcome], *, commit: bool) -> str:
    would = "" if commit else "would be "
    return "; ".join(
        f"{o.count} {o.rule.name} {would}{o.rule.verb}" for o in outcomes if o.count
    ) or ("nothing to remove" if commit else "nothing would be removed")


def run_daily() -> str:
    outcomes = run(commit=True)
    text = summary(outcomes, commit=True)
    log.info("Retention: %s", text)
    return text
