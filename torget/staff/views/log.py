"""The audit log (torget/audit): a body's managers read their body's entries at
/staff/body/<slug>/log; superusers read every entry at /staff/log. Read only: no page of
Torget changes or deletes an entry."""

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from torget.accounts.models import User
from torget.audit.models import Action, Entry
from torget.places.models import Body
from torget.staff import permissions
from torget.staff.access import StaffRequest, member_for_body, staff_only

PER_PAGE = 50


class LogFilter(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", gettext("Anyone")), *people]
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", gettext("Any action")), *Action.choices]

    def apply(self, entries: QuerySet[Entry]) -> QuerySet[Entry]:
        data = self.cleaned_data
        if data.get("person"):
            entries = entries.filter(actor_id=data["person"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("since"):
            entries = entries.filter(at__gte=start_of(data["since"]))
        if data.get("until"):
            entries = entries.filter(at__lt=start_of(data["until"] + datetime.timedelta(days=1)))
        return entries


class AllFilter(LogFilter):
    """A superuser's filters: any body, or none (sign-ins of superusers, the admin)."""

    body = forms.TypedChoiceField(label=_("Body"), required=False, coerce=int)

    def __init__(self, *args: Any, bodies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.ChoiceField)
        body.choices = [("", gettext("Any body")), *bodies]

    def apply(self, entries: QuerySet[Entry]) -> QuerySet[Entry]:
        entries = super().apply(entries)
        if self.cleaned_data.get("body"):
            entries = entries.filter(body_id=self.cleaned_data["body"])
        return entries


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require_safe
@staff_only
def body_log(request: StaffRequest, slug: str) -> HttpResponse:
    member = member_for_body(request, slug)
    if not permissions.may_read_log(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    people = list(
        User.objects.filter(memberships__body=member.body)
        .order_by("name", "email")
        .values_list("pk", "email")
    )
    form = LogFilter(request.GET or None, people=people)
    context = {"member": member, "form": form}
    return shown(request, form, Entry.objects.of_body(member.body.pk), context)


@require_safe
@login_required
def all_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied(gettext("Only superusers read the whole log."))
    people = list(
        User.objects.filter(is_superuser=True).order_by("email").values_list("pk", "email")
    )
    bodies = list(Body.objects.order_by("name").values_list("pk", "name"))
    form = AllFilter(request.GET or None, people=people, bodies=bodies)
    return shown(request, form, Entry.objects.all(), {"form": form, "everything": True})


def shown(
    request: HttpRequest, form: LogFilter, entries: QuerySet[Entry], context: dict[str, Any]
) -> HttpResponse:
    if form.is_bound and not form.is_valid():
        return render(request, "staff/log.html", {**context, "page": None}, status=400)
    if form.is_bound:
        entries = form.apply(entries)
    page = Paginator(entries.order_by("-at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    context["page"] = page
    context["rows"] = [(entry, changes(entry)) for entry in page]
    context["query"] = query_without_page(request)
    return render(request, "staff/log.html", context)


def changes(entry: Entry) -> list[tuple[str, str, str]]:
    """Each value named before or after, as (name, before, after) in words."""
    names = list(entry.before) + [name for name in entry.after if name not in entry.before]
    return [(name, words(entry.before.get(name)), words(entry.after.get(name))) for name in names]


def words(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, list):
        return ", ".join(words(item) for item in value)
    return str(value)


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
