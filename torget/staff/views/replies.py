"""Replies by e-mail that wait for review (a body's setting, `Body.review_email_replies`):
a moderator publishes one, edited if a name or a number slipped through, or discards it; and
the managers' page where the body turns the review on or off."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from torget.places import actions as place_actions
from torget.reports import actions as report_actions
from torget.reports import moderation
from torget.reports.models import HeldReply
from torget.staff import permissions
from torget.staff.access import StaffRequest, member_for_body, report_for, staff_only
from torget.staff.forms import StaffForm, long_text


class ReviewForm(StaffForm):
    prefix = "review"
    PUBLISH, DISCARD = "publish", "discard"
    text = long_text(_("The reply, as it will be published"), required=False)
    do = forms.ChoiceField(choices=[(PUBLISH, PUBLISH), (DISCARD, DISCARD)])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("do") == self.PUBLISH and not data.get("text"):
            self.add_error("text", gettext("An empty reply cannot be published."))
        return data


@require_POST
@staff_only
def review(request: StaffRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(HeldReply.objects.select_related("body"), pk=pk)
    report, member = report_for(request, held.report_id, held.body.slug)
    if member.body.pk != held.body_id:
        raise Http404
    if not permissions.may_review_replies(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    form = ReviewForm(request.POST)
    url = reverse("staff:report", args=[report.pk]) + f"?body={member.body.slug}#tools"
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(url)
    try:
        if form.cleaned_data["do"] == ReviewForm.PUBLISH:
            text = form.cleaned_data["text"]
            moderation.publish_held_reply(held=held, staff=member.user, text=text)
            messages.success(request, gettext("The reply is published on the report."))
        else:
            moderation.discard_held_reply(held=held, staff=member.user)
            messages.success(request, gettext("The reply is discarded."))
    except report_actions.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    return redirect(url)


class SettingsForm(StaffForm):
    review_email_replies = forms.BooleanField(
        label=_("Replies by e-mail wait for review before they are public"),
        required=False,
        help_text=_(
            "A moderator of the body then publishes each reply from the inbox, and can take "
            "out names and numbers first."
        ),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def settings_page(request: StaffRequest, slug: str) -> HttpResponse:
    member = member_for_body(request, slug)
    if not permissions.may_manage_settings(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    initial = {"review_email_replies": member.body.review_email_replies}
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["review_email_replies"]
        place_actions.set_reply_review(body=member.body, on=on)
        messages.success(request, gettext("The settings are saved."))
        return redirect("staff:settings", slug=member.body.slug)
    return render(request, "staff/settings.html", {"member": member, "form": form})
