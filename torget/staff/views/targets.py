"""A manager sets the body's targets: for each category, and for all of them, how many
working days the first answer and the fix may take (staff/targets.py)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from torget.places.models import Body
from torget.reports.models import Category
from torget.staff import permissions, targets
from torget.staff.access import StaffRequest, member_for_body, staff_only

# A year of working days: anything longer is a typing error, not a target.
MOST_DAYS = 250
ALL = "all"


def days_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MOST_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class TargetsForm(forms.Form):
    """Two fields for each of the body's categories and for "all": answer-<id>, fix-<id>."""

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.categories = list(Category.objects.filter(body=body).order_by("name_nb"))
        saved = targets.targets_of(body)
        self.rows: list[tuple[str, Category | None]] = [(ALL, None)]
        self.rows += [(str(c.pk), c) for c in self.categories]
        for key, category in self.rows:
            days = saved.get(category.pk if category else None, targets.NO_TARGET)
            self.fields[f"answer-{key}"] = days_field(_("First answer within (working days)"))
            self.fields[f"fix-{key}"] = days_field(_("Fixed within (working days)"))
            self.initial.setdefault(f"answer-{key}", days.answer)
            self.initial.setdefault(f"fix-{key}", days.fix)

    def groups(self) -> list[tuple[Category | None, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"answer-{key}"], self[f"fix-{key}"]) for key, c in self.rows]

    def changes(self) -> list[targets.TargetChange]:
        data = self.cleaned_data
        return [
            targets.TargetChange(
                category=category,
                days=targets.Days(data[f"answer-{key}"], data[f"fix-{key}"]),
            )
            for key, category in self.rows
        ]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def targets_page(request: StaffRequest, slug: str) -> HttpResponse:
    member = member_for_body(request, slug)
    if not permissions.may_manage_targets(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    form = TargetsForm(request.POST if request.method == "POST" else None, body=member.body)
    if request.method == "POST":
        if not form.is_valid():
            context = {"member": member, "form": form}
            return render(request, "staff/targets.html", context, status=400)
        count = targets.set_targets(body=member.body, changes=form.changes(), by=request.staff_user)
        messages.success(
            request,
            gettext("The targets are saved, and the deadlines of %(count)d open reports set anew.")
            % {"count": count},
        )
        return redirect("staff:targets", slug=member.body.slug)
    return render(request, "staff/targets.html", {"member": member, "form": form})
