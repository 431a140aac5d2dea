"""accounts' task: make a person's data export, queued when they ask for it."""

from django.tasks import task

from torget.accounts import actions


@task
def prepare_export(export_id: int) -> str:
    return actions.prepare_export(export_id)
