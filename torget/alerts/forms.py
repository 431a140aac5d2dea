"""The alert forms: what to follow around a point, following a report, and changing an alert."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from torget.alerts import actions
from torget.alerts.models import Subscription, SubscriptionKind
from torget.lib.text import OneLineField
from torget.places.models import Area, AreaKind, Body
from torget.reports.models import Category, Report

MIN_RADIUS = 100
MAX_RADIUS = 20_000
FOLLOWED_AREA_KINDS = (AreaKind.KOMMUNE, AreaKind.BYDEL)


class CategoryChoices(forms.ModelMultipleChoiceField[Category]):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.name} ({obj.body.name})"


def categories_field() -> CategoryChoices:
    return CategoryChoices(
        label=_("Only these categories"),
        help_text=_("Tick none to hear of every category."),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link to confirm it. Alerts start once you have used it."),
    )


class AlertChoices(forms.Form):
    """New and fixed, and the categories: shared by the point form and the edit form."""

    categories = categories_field()
    include_new = forms.BooleanField(label=_("New reports"), required=False, initial=True)
    include_fixed = forms.BooleanField(label=_("Reports marked fixed"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("include_new") and not data.get("include_fixed"):
            raise forms.ValidationError(
                gettext("Choose new reports, reports marked fixed, or both.")
            )
        return data


class PointAlertForm(AlertChoices):
    """Following what happens around one point: a circle, an area containing it, or a body
    covering it."""

    target = forms.ChoiceField(label=_("Follow"), widget=forms.RadioSelect)
    radius = forms.IntegerField(
        label=_("Distance in metres, for reports near the place"),
        min_value=MIN_RADIUS,
        max_value=MAX_RADIUS,
        required=False,
    )
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
    label = OneLineField(widget=forms.HiddenInput, required=False, max_length=200)
    field_order = ["target", "radius", "include_new", "include_fixed", "categories", "email"]

    def __init__(
        self, *args: Any, lat: float, lon: float, needs_email: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {
            a.pk: a
            for a in Area.objects.covering(lat, lon)
            .filter(kind__in=FOLLOWED_AREA_KINDS)
            .order_by("kind", "name")
        }
        self.bodies = {b.pk: b for b in Body.objects.covering(lat, lon).order_by("name")}
        radius = cast(forms.IntegerField, self.fields["radius"])
        radius.initial = actions.default_radius(lat, lon)
        target = cast(forms.ChoiceField, self.fields["target"])
        target.choices = [
            ("radius", gettext("New reports near this place")),
            *(
                (f"area:{pk}", gettext("New reports in %(area)s") % {"area": a.name})
                for pk, a in self.areas.items()
            ),
            *(
                (f"body:{pk}", gettext("New reports sent to %(body)s") % {"body": b.name})
                for pk, b in self.bodies.items()
            ),
        ]
        target.initial = "radius"
        categories = cast(CategoryChoices, self.fields["categories"])
        categories.queryset = Category.objects.offered_at(lat, lon).select_related("body")
        if needs_email:
            self.fields["email"] = email_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("target") == "radius"
            and not data.get("radius")
            and "radius" not in self.errors
        ):
            self.add_error("radius", gettext("Give the distance in metres."))
        return data

    def chosen_target(self) -> actions.Target:
        data = self.cleaned_data
        kind, _, pk = data["target"].partition(":")
        common = {
            "categories": list(data["categories"]),
            "include_new": data["include_new"],
            "include_fixed": data["include_fixed"],
        }
        if kind == "area":
            return actions.Target(kind=SubscriptionKind.AREA, area=self.areas[int(pk)], **common)
        if kind == "body":
            return actions.Target(kind=SubscriptionKind.BODY, body=self.bodies[int(pk)], **common)
        return actions.Target(
            kind=SubscriptionKind.RADIUS,
            lat=round(data["lat"], 6),
            lon=round(data["lon"], 6),
            radius=data["radius"],
            label=data["label"],
            **common,
        )


class ReportAlertForm(forms.Form):
    report = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, needs_email: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_email:
            self.fields["email"] = email_field()

    def clean_report(self) -> Report:
        report = Report.objects.public().filter(pk=self.cleaned_data["report"]).first()
        if report is None:
            raise forms.ValidationError(gettext("There is no public report with that number."))
        return report

    def chosen_target(self) -> actions.Target:
        return actions.Target(kind=SubscriptionKind.REPORT, report=self.cleaned_data["report"])


class EditForm(AlertChoices):
    """Changing one of my alerts. A report alert can only be switched on or off."""

    active = forms.BooleanField(label=_("Send me this alert"), required=False)
    radius = forms.IntegerField(
        label=_("Distance in metres"), min_value=MIN_RADIUS, max_value=MAX_RADIUS
    )
    field_order = ["active", "radius", "include_new", "include_fixed", "categories"]

    def __init__(self, *args: Any, subscription: Subscription, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "active": subscription.active,
                "radius": subscription.radius,
                "include_new": subscription.include_new,
                "include_fixed": subscription.include_fixed,
                "categories": list(subscription.categories.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.subscription = subscription
        if subscription.kind != SubscriptionKind.RADIUS:
            del self.fields["radius"]
        if subscription.kind == SubscriptionKind.REPORT:
            for name in ("include_new", "include_fixed", "categories"):
                del self.fields[name]
        else:
            categories = cast(CategoryChoices, self.fields["categories"])
            categories.queryset = categories_for(subscription)

    def clean(self) -> dict[str, Any]:
        if self.subscription.kind == SubscriptionKind.REPORT:
            return forms.Form.clean(self) or {}
        return super().clean()

    def changes(self) -> actions.Changes:
        data = self.cleaned_data
        report = self.subscription.kind == SubscriptionKind.REPORT
        return actions.Changes(
            radius=data.get("radius"),
            categories=list(data.get("categories") or []),
            include_new=True if report else data["include_new"],
            include_fixed=False if report else data["include_fixed"],
            active=data["active"],
        )


def categories_for(subscription: Subscription) -> QuerySet[Category]:
    """The categories that can reach the followed place, area or body."""
    categories = Category.objects.select_related("body")
    if subscription.kind == SubscriptionKind.BODY:
        return categories.filter(body=subscription.body)
    if subscription.kind == SubscriptionKind.AREA:
        return categories.filter(body__areas=subscription.area).distinct()
    if subscription.lat is None or subscription.lon is None:
        return categories.none()
    return categories.filter(pk__in=Category.objects.offered_at(subscription.lat, subscription.lon))
