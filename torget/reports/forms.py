"""The new-report form: where, what kind, what, photos, and who is reporting."""

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from torget.lib import images
from torget.reports.models import Category

MAX_PHOTOS = 5
TITLE_MAX_LENGTH = 120
DETAIL_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 100
# Newlines and tabs are how people write details; every other control character is either a
# mistake or an attempt to confuse whoever reads the report later.
MULTILINE_ALLOWED = {"\n", "\r", "\t"}

CATEGORY_NOT_OFFERED = _(
    "Choose one of the categories offered for this place. The one given is not one of them."
)
# lat and lon are hidden fields set by the map or the search, so their messages say what to do.
POSITION_ERRORS = {
    "required": _("The place is missing. Search for it or choose it on the map again."),
    "invalid": _("The place is not valid. Search for it or choose it on the map again."),
    "min_value": _("The place is off the map. Search for it or choose it on the map again."),
    "max_value": _("The place is off the map. Search for it or choose it on the map again."),
}
HONEYPOT_TRIPPED = _("The report could not be sent. Please try again.")


def categories_at(lat: float, lon: float) -> list[Category]:
    """The active categories of the bodies whose areas contain the point, sorted by group and
    name in the current language."""
    offered = Category.objects.offered_at(lat, lon).select_related("body")
    return sorted(offered, key=lambda c: (c.group.casefold(), c.name.casefold(), c.body.name))


def category_offered(categories: list[Category], raw_id: object) -> Category | None:
    """The category among those offered whose id is `raw_id`, or None."""
    return next((c for c in categories if str(c.pk) == str(raw_id).strip()), None)


def reject_control_characters(text: str, *, allowed: set[str] | None = None) -> None:
    if any(unicodedata.category(ch) == "Cc" and ch not in (allowed or ()) for ch in text):
        raise ValidationError(
            _("Remove the invisible control characters from this text."), code="control"
        )


def reject_control_characters_multiline(text: str) -> None:
    reject_control_characters(text, allowed=MULTILINE_ALLOWED)


validate_phone = RegexValidator(
    re.compile(r"^[0-9 +\-]{5,20}$"),
    _("Enter a phone number of 5 to 20 digits; spaces, + and - are allowed."),
    code="phone",
)


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS files from one <input multiple>; cleaned to a list of uploads."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", PhotoInput(attrs={"accept": images.ACCEPT_ATTRIBUTE}))
        super().__init__(required=False, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("You can add at most %(max)d photos; %(count)d were chosen."),
                code="too_many",
                params={"max": MAX_PHOTOS, "count": len(files)},
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


class HoneypotInput(forms.TextInput):
    """A field people never see or reach, which form-filling robots fill in."""

    def __init__(self) -> None:
        super().__init__(
            attrs={"class": "hp-input", "tabindex": "-1", "autocomplete": "off"},
        )

    def format_value(self, value: Any) -> str | None:
        # Never echoed back: a browser that auto-filled it once must not trip it twice.
        return None


class ReportForm(forms.Form):
    lat = forms.FloatField(
        widget=forms.HiddenInput, min_value=-90, max_value=90, error_messages=POSITION_ERRORS
    )
    lon = forms.FloatField(
        widget=forms.HiddenInput, min_value=-180, max_value=180, error_messages=POSITION_ERRORS
    )
    category = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"invalid": CATEGORY_NOT_OFFERED, "required": CATEGORY_NOT_OFFERED},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("A few words, such as «Street light out outside number 12»."),
        validators=[reject_control_characters],
    )
    detail = forms.CharField(
        label=_("Details"),
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, and exactly where? This is published with the report."),
        validators=[reject_control_characters_multiline],
    )
    photos = PhotosField(
        label=_("Photos (optional)"),
        help_text=_("Up to 5 photos: JPEG, PNG, WebP or HEIC, at most 12 MB each."),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[reject_control_characters],
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        # As long as User.email can hold; Django's form default of 320 is longer.
        max_length=254,
        help_text=_("We send you a link to confirm the report. It is never shown publicly."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        required=False,
        help_text=_("Only the municipality sees it, if they need to call you."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        validators=[validate_phone],
    )
    show_name = forms.BooleanField(
        label=_("Show my name publicly"),
        label_suffix="",
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "show-name-help"}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=HoneypotInput()
    )

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in:
            # The account already says who is reporting.
            for field in ("name", "email", "phone"):
                del self.fields[field]

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise ValidationError(HONEYPOT_TRIPPED, code="honeypot")
        return ""

    def clean_photos(self) -> list[images.ProcessedImage]:
        """Every photo is processed before anything is saved, so one bad photo among five
        stops the report with a message rather than saving part of it."""
        # A robot that filled the trap gets no work done on its files.
        if self.has_error("website"):
            return []
        processed: list[images.ProcessedImage] = []
        errors: list[ValidationError] = []
        for number, upload in enumerate(self.cleaned_data["photos"], start=1):
            try:
                processed.append(images.process_upload(upload))
            except images.ImageRejected as rejected:
                errors.append(photo_error(number, upload.name or "", str(rejected)))
        if errors:
            raise ValidationError(errors)
        return processed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if lat is None or lon is None:
            return cleaned
        categories = categories_at(lat, lon)
        if not categories:
            raise ValidationError(
                _(
                    "No municipality or other body on Torget is responsible for this place. "
                    "Move the pin to where the problem is."
                ),
                code="not_covered",
            )
        if "category" in cleaned:
            cleaned["category"] = category_offered(categories, cleaned["category"])
            if cleaned["category"] is None:
                self.add_error("category", ValidationError(CATEGORY_NOT_OFFERED, code="invalid"))
        return cleaned


def photo_error(number: int, filename: str, reason: str) -> ValidationError:
    return ValidationError(
        _("Photo %(number)d (%(filename)s): %(reason)s"),
        code="photo",
        params={"number": number, "filename": filename, "reason": reason},
    )
