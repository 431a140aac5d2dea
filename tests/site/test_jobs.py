"""`torget worker` runs the periodic jobs each installed app lists in its jobs.py."""

import datetime

from django.apps import apps

from torget.accounts import jobs as accounts_jobs
from torget.alerts import jobs as alerts_jobs
from torget.delivery import jobs as delivery_jobs
from torget.limits import jobs as limits_jobs
from torget.mail import jobs as mail_jobs
from torget.reports import jobs as reports_jobs
from torget.site import jobs as site_jobs
from torget.site.management.commands.worker import installed_jobs, jobs
from torget.staff import jobs as staff_jobs


def test_the_worker_runs_the_jobs_every_app_lists_and_no_others():
    listed = (
        accounts_jobs.JOBS
        + alerts_jobs.JOBS
        + delivery_jobs.JOBS
        + limits_jobs.JOBS
        + mail_jobs.JOBS
        + reports_jobs.JOBS
        + site_jobs.JOBS
        + staff_jobs.JOBS
    )
    assert sorted(job.name for job in installed_jobs()) == sorted(job.name for job in listed)


def test_job_names_are_unique_because_a_period_is_claimed_by_name():
    names = [job.name for job in installed_jobs()]
    assert len(names) == len(set(names))


def test_no_app_but_the_site_lists_its_jobs_anywhere_but_jobs_py():
    """The worker imports no app's job functions; it finds them through the app registry."""
    from torget.site.management.commands import worker

    assert not {"send_due_alerts", "fetch_all_updates", "send_daily_digest"} & set(vars(worker))
    assert apps.get_app_config("site").name == "torget.site"


def test_fetch_interval_changes_only_the_period_of_the_updates_from_bodies():
    five = datetime.timedelta(minutes=5)
    by_name = {job.name: job for job in jobs(fetch_every=five)}
    assert by_name[delivery_jobs.FETCH_UPDATES].period_length == five
    assert by_name["deliveries due"].period_length == delivery_jobs.SWEEP_EVERY
