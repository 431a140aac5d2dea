"""A manager runs the body's workspace: its response templates and its priorities.

Every view takes the body from the address and answers 404 unless the person is a member of
that body, and 403 unless their role there allows it (staff/permissions.py); a template or
priority of another body is a 404 even for a manager.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.staff import permissions
from torget.staff.access import StaffRequest, member_for_body, staff_only
from torget.staff.forms import PriorityModelForm, TemplateForm
from torget.staff.models import Priority, ResponseTemplate
from torget.staff.permissions import Member

type ManagerView = Callable[..., HttpResponse]


def managing(permission: Callable[[Member], bool]) -> Callable[[ManagerView], ManagerView]:
    def decorate(view: ManagerView) -> ManagerView:
        @staff_only
        @wraps(view)
        def checked(request: StaffRequest, slug: str, **kwargs: Any) -> HttpResponse:
            member = member_for_body(request, slug)
            if not permission(member):
                raise PermissionDenied(gettext("Your role does not allow this."))
            return view(request, member, **kwargs)

        return checked

    return decorate


@require_safe
@managing(permissions.may_manage_templates)
def templates(request: StaffRequest, member: Member) -> HttpResponse:
    rows = ResponseTemplate.objects.filter(body=member.body).select_related("category")
    return render(request, "staff/templates.html", {"member": member, "templates": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@managing(permissions.may_manage_templates)
def edit_template(request: StaffRequest, member: Member, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(ResponseTemplate, body=member.body, pk=pk) if pk else None
    return edit(request, member, TemplateForm, template, "staff:templates")


@require_POST
@managing(permissions.may_manage_templates)
def delete_template(request: StaffRequest, member: Member, pk: int) -> HttpResponse:
    deleted(request, member, get_object_or_404(ResponseTemplate, body=member.body, pk=pk))
    messages.success(request, gettext("The template is deleted."))
    return redirect("staff:templates", member.body.slug)


@require_safe
@managing(permissions.may_manage_priorities)
def priorities(request: StaffRequest, member: Member) -> HttpResponse:
    rows = Priority.objects.filter(body=member.body)
    return render(request, "staff/priorities.html", {"member": member, "priorities": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@managing(permissions.may_manage_priorities)
def edit_priority(request: StaffRequest, member: Member, pk: int | None = None) -> HttpResponse:
    priority = get_object_or_404(Priority, body=member.body, pk=pk) if pk else None
    return edit(request, member, PriorityModelForm, priority, "staff:priorities")


@require_POST
@managing(permissions.may_manage_priorities)
def delete_priority(request: StaffRequest, member: Member, pk: int) -> HttpResponse:
    # Reports with this priority keep none; their history keeps the name (see models.py).
    deleted(request, member, get_object_or_404(Priority, body=member.body, pk=pk))
    messages.success(request, gettext("The priority is deleted."))
    return redirect("staff:priorities", member.body.slug)


def edit(
    request: StaffRequest,
    member: Member,
    form_class: type[forms.ModelForm[Any]],
    instance: models.Model | None,
    listing: str,
) -> HttpResponse:
    """The body's own rows, saved by their ModelForm: they have no side effects to own."""
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=instance, body=member.body)  # type: ignore[call-arg]
    if data is not None and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            audit(
                action=AUDITED[type(saved)],
                actor=request.staff_user,
                target=saved,
                body=member.body,
                before={name: form.initial.get(name) for name in form.changed_data}
                if instance is not None
                else {},
                after={name: form.cleaned_data.get(name) for name in form.changed_data},
            )
        messages.success(request, gettext("Saved."))
        return redirect(listing, member.body.slug)
    context = {"member": member, "form": form, "instance": instance, "listing": listing}
    status = 400 if data is not None else 200
    return render(request, "staff/edit.html", context, status=status)


# The body's templates and priorities in the audit log, with the fields a manager changed.
AUDITED = {ResponseTemplate: Action.TEMPLATE, Priority: Action.PRIORITY}


@transaction.atomic
def deleted(request: StaffRequest, member: Member, row: ResponseTemplate | Priority) -> None:
    audit(
        action=AUDITED[type(row)],
        actor=request.staff_user,
        target=row,
        body=member.body,
        before={"name": str(row)},
        after={"change": "deleted"},
    )
    row.delete()
