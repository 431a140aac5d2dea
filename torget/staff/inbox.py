"""The inbox: what waits for a body's staff, filtered, sorted and a page at a time.

The inbox starts from `Handling` (one row per report and body that has it), so a report
with two of a person's bodies is listed once per body, each with that body's assignee and
priority. Pages are keyset-paginated: the next page starts after the last row's sort key,
read from the row whose id the link carries, so a late page costs what the first costs,
and every page is a fixed number of queries (tests/staff/test_inbox.py counts them).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from torget.accounts.models import User
from torget.lib.text import OneLineField
from torget.places.models import Area, AreaKind, Body
from torget.reports.models import (
    PUBLIC_STATES,
    STATE_GROUPS,
    Category,
    HeldReply,
    HeldReplyState,
    State,
)
from torget.staff.models import Handling, Priority, overdue
from torget.staff.permissions import Member

PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 200

type RowFilter = Callable[[QuerySet[Handling]], QuerySet[Handling]]


def since_staff_acted(field: str) -> Q:
    return Q(staff_acted__isnull=True) | Q(**{f"{field}__gt": F("staff_acted")})


def held_reply() -> Exists:
    """The body's reply by e-mail to the report waits for review (reports.HeldReply)."""
    waiting = HeldReply.objects.filter(
        report_id=OuterRef("report_id"), body_id=OuterRef("body_id"), state=HeldReplyState.WAITING
    )
    return Exists(waiting)


# What waits for staff, each a filter on the handlings.
WAITING: dict[str, tuple[Promise, RowFilter]] = {
    "new": (
        _("New, not answered yet"),
        lambda rows: rows.filter(report__state=State.OPEN, report__answered__isnull=True),
    ),
    "overdue": (_("Past its target"), lambda rows: rows.filter(overdue(timezone.now()))),
    "reopened": (
        _("Reopened by the reporter"),
        lambda rows: rows.filter(report__state=State.OPEN, reopened__isnull=False).filter(
            since_staff_acted("reopened")
        ),
    ),
    "updated": (
        _("Citizens wrote since staff acted"),
        lambda rows: rows.filter(citizen_updated__isnull=False).filter(
            since_staff_acted("citizen_updated")
        ),
    ),
    "review": (_("Replies by e-mail waiting for review"), lambda rows: rows.filter(held_reply())),
}

# Each sort is a key of unique values (the handling's id breaks ties), so that a page can
# start exactly after the last row of the one before.
SORTS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "newest": (_("Newest first"), ("-report__created", "-report_id", "-id")),
    "oldest": (_("Oldest first"), ("report__created", "report_id", "id")),
    "supporters": (
        _("Most supporters first"),
        ("-report__supporters", "-report__created", "-report_id", "-id"),
    ),
    # Only the rows with a target (see handlings()): the nearest deadline first.
    "target": (_("Nearest target first"), ("due", "id")),
}

GROUPS = {"open": _("Open"), "fixed": _("Fixed"), "closed": _("Closed"), "all": _("All")}


class InboxForm(forms.Form):
    """The inbox's filters, from the query string. Choices are limited to the person's own
    bodies' categories, areas, staff and priorities; anything else is an error (400)."""

    body = forms.ChoiceField(label=_("Body"), required=False)
    waiting = forms.ChoiceField(label=_("Waiting"), required=False)
    group = forms.ChoiceField(label=_("State group"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    category_group = forms.ChoiceField(label=_("Category group"), required=False)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int)
    assigned = forms.ChoiceField(label=_("Assigned to"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    q = OneLineField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH)
    created_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, *args: Any, members: list[Member], user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.members = members
        self.user = user
        bodies = [member.body for member in members]
        self.set_choices("body", [("", _("All my bodies"))], [(b.slug, b.name) for b in bodies])
        self.set_choices(
            "waiting", [("", _("Everything"))], [(k, label) for k, (label, _f) in WAITING.items()]
        )
        self.set_choices("group", [], list(GROUPS.items()))
        self.set_choices(
            "state",
            [("", _("Any state"))],
            [(s.value, s.label) for s in State if s in PUBLIC_STATES],
        )
        self.set_choices("sort", [], [(k, label) for k, (label, _o) in SORTS.items()])
        self.scope = self.bodies_in_scope(bodies)
        categories = list(Category.objects.filter(body__in=self.scope).select_related("body"))
        many = len(self.scope) > 1
        self.set_choices(
            "category",
            [("", _("Any category"))],
            sorted(
                ((c.pk, f"{c.name} ({c.body.name})" if many else c.name) for c in categories),
                key=lambda choice: str(choice[1]),
            ),
        )
        groups = sorted({c.group for c in categories if c.group})
        self.group_names = {c.group: c.group_nb for c in categories if c.group}
        self.set_choices("category_group", [("", _("Any group"))], [(g, g) for g in groups])
        self.set_choices(
            "area", [("", _("Any area"))], [(a.pk, str(a.name)) for a in areas_of(self.scope)]
        )
        colleagues = (
            User.objects.filter(memberships__body__in=self.scope)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("name", "email")
        )
        self.set_choices(
            "assigned",
            [("", _("Anyone or nobody")), ("me", _("Me")), ("nobody", _("Nobody"))],
            [(str(u.pk), str(u)) for u in colleagues],
        )
        priorities = Priority.objects.filter(body__in=self.scope).select_related("body")
        self.set_choices(
            "priority",
            [("", _("Any priority")), ("none", _("No priority"))],
            [(str(p.pk), f"{p.name} ({p.body.name})" if many else p.name) for p in priorities],
        )

    def set_choices(self, name: str, first: list[Any], rest: list[Any]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = first + rest

    def bodies_in_scope(self, bodies: list[Body]) -> list[Body]:
        """The body chosen in the query string, when it is one of the person's, else all."""
        chosen = self.data.get("body", "") if self.is_bound else ""
        return [b for b in bodies if b.slug == chosen] or bodies

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the period is before its start."))
        return data


def areas_of(bodies: list[Body]) -> list[Area]:
    """The bodies' own areas, and the city districts and other imported areas that overlap
    them, by their bounding boxes (a district is inside its kommune; the box check keeps
    the list short without reading polygons)."""
    # The polygons are not needed for a list of names, and can be large.
    current = Area.objects.current().defer("geometry_wkb")
    own = list(current.filter(bodies__in=bodies).distinct())
    if not own:
        return []
    boxes = Q()
    for area in own:
        boxes |= Q(
            min_lon__lt=area.max_lon,
            max_lon__gt=area.min_lon,
            min_lat__lt=area.max_lat,
            max_lat__gt=area.min_lat,
        )
    inner = current.filter(boxes).exclude(kind__in=[AreaKind.KOMMUNE, AreaKind.FYLKE])
    found = {area.pk: area for area in [*own, *inner]}
    return sorted(found.values(), key=lambda area: area.name)


@dataclass(frozen=True)
class InboxPage:
    rows: list[Handling]
    next_after: int | None  # the id of the handling the next page starts after


def handlings(form: InboxForm) -> QuerySet[Handling]:
    """The rows the valid form asks for, sorted, not yet cut into a page."""
    data = form.cleaned_data
    rows = (
        Handling.objects.filter(body__in=form.scope)
        .filter(report__hidden=False, report__state__in=PUBLIC_STATES)
        .select_related("report__category", "body", "assignee", "priority")
    )
    group = data.get("group") or "open"
    if group in STATE_GROUPS:
        rows = rows.filter(report__state__in=STATE_GROUPS[group])
    if data.get("state"):
        rows = rows.filter(report__state=data["state"])
    if data.get("waiting"):
        rows = WAITING[data["waiting"]][1](rows)
    if data.get("category"):
        rows = rows.filter(report__category_id=data["category"])
    if data.get("category_group"):
        name = form.group_names.get(data["category_group"], data["category_group"])
        rows = rows.filter(report__category__group_nb=name)
    if data.get("area"):
        rows = rows.filter(report__areas=data["area"])
    rows = filter_assigned(rows, data.get("assigned") or "", form.user)
    priority = data.get("priority") or ""
    if priority == "none":
        rows = rows.filter(priority__isnull=True)
    elif priority:
        rows = rows.filter(priority_id=int(priority))
    if data.get("q"):
        rows = rows.filter(search(data["q"]))
    if data.get("created_from"):
        rows = rows.filter(report__created__gte=start_of(data["created_from"]))
    if data.get("created_to"):
        next_day = data["created_to"] + datetime.timedelta(days=1)
        rows = rows.filter(report__created__lt=start_of(next_day))
    if data.get("sort") == "target":
        rows = rows.filter(due__isnull=False)
    return rows.order_by(*SORTS[data.get("sort") or "newest"][1])


def filter_assigned(rows: QuerySet[Handling], assigned: str, user: User) -> QuerySet[Handling]:
    if assigned == "me":
        return rows.filter(assignee=user)
    if assigned == "nobody":
        return rows.filter(assignee__isnull=True)
    if assigned:
        return rows.filter(assignee_id=int(assigned))
    return rows


def search(text: str) -> Q:
    """Words in the title or the details; a number is also the report's number."""
    found = Q(report__title__icontains=text) | Q(report__detail__icontains=text)
    number = text.strip().lstrip("#")
    if number.isdigit() and len(number) < 19:
        found |= Q(report_id=int(number))
    return found


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of the day, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def page(rows: QuerySet[Handling], sort: str, after: int | None) -> InboxPage:
    """One page of rows, starting after the handling `after` (when it is still there)."""
    order = SORTS[sort or "newest"][1]
    if after is not None:
        fields = [name.lstrip("-") for name in order]
        last = Handling.objects.filter(pk=after).values(*fields).first()
        if last is not None:
            rows = rows.filter(after_key(order, last))
    found = list(rows[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    return InboxPage(rows=found, next_after=found[-1].pk if more else None)


def after_key(order: tuple[str, ...], last: dict[str, Any]) -> Q:
    """Rows that come after `last` in this order: (a, b, c) > (x, y, z), spelled out so that
    both databases can use the indexes on the leading columns."""
    found = Q()
    equal = Q()
    for name in order:
        field = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        found |= equal & Q(**{f"{field}__{lookup}": last[field]})
        equal &= Q(**{field: last[field]})
    return found


# Counted up to here, then shown as "1000+": an exact count of a large body's backlog
# would read all of it on every visit, and nobody acts on the difference.
COUNT_LIMIT = 1000


def counts(form: InboxForm) -> dict[str, str]:
    """How many rows wait in each way, in the form's scope of bodies: "12", or "1000+"."""
    rows = Handling.objects.filter(body__in=form.scope, report__hidden=False)
    found = {key: WAITING[key][1](rows)[: COUNT_LIMIT + 1].count() for key in WAITING}
    return {key: f"{COUNT_LIMIT}+" if n > COUNT_LIMIT else str(n) for key, n in found.items()}
