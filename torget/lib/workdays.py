"""Working days in Norway: Monday to Friday, less the public holidays.

The holidays come from the `holidays` package, which keeps Norway's list (the days that hang
on Easter move every year: Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit
Monday) so Torget does not compute Easter itself. Christmas Eve and New Year's Eve are not
public holidays in Norway, and many offices close early on them, but they count as working
days here as they do in the law.

A target of N working days runs to the end of the Nth working day after the day something
arrived, so a report that comes in on Friday afternoon with a target of one working day is
due at the end of Monday (or of Tuesday, when that Monday is Easter Monday).
"""

import datetime
import functools

import holidays
from django.utils import timezone

SATURDAY = 5


@functools.cache
def public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.Norway(years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < SATURDAY and day not in public_holidays(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The `count`th working day after `day` (`day` itself is not counted)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def end_of(day: datetime.date) -> datetime.datetime:
    """The midnight that ends the day, in the site's time zone."""
    next_day = day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def deadline(start: datetime.datetime, working_days: int) -> datetime.datetime:
    """The end of the `working_days`th working day after the day `start` falls on, locally."""
    return end_of(add_working_days(timezone.localdate(start), working_days))
