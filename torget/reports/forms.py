"""The new-report form: where, what kind, what, photos, and who is reporting."""

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from torget.lib import images
from torget.lib.text import OneLineField, refuse_control_characters_multiline
from torget.reports.models import Category, Datatype, Question

MAX_PHOTOS = 5
TITLE_MAX_LENGTH = 120
DETAIL_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 100
# As the Open311 server takes them: a short answer is a line, a long one a few paragraphs.
SHORT_ANSWER_MAX_LENGTH = 1000
LONG_ANSWER_MAX_LENGTH = 4000
# Up to this many choices show as radio buttons, all visible at once; more as a drop-down.
MAX_RADIO_CHOICES = 6

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


def question_field(question: Question) -> forms.Field:
    """The form field that asks `question`, labelled in the visitor's language."""
    common: dict[str, Any] = {
        "label": question.text,
        "help_text": question.hint_text,
        "required": question.required,
    }
    match question.datatype:
        case Datatype.SINGLEVALUELIST:
            choices = question.choices()
            if len(choices) <= MAX_RADIO_CHOICES:
                return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            return forms.ChoiceField(choices=[("", "–"), *choices], **common)
        case Datatype.MULTIVALUELIST:
            return forms.MultipleChoiceField(
                choices=question.choices(), widget=forms.CheckboxSelectMultiple, **common
            )
        case Datatype.NUMBER:
            return forms.DecimalField(**common)
        case Datatype.DATETIME:
            return forms.DateTimeField(
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                **common,
            )
        case Datatype.TEXT:
            return forms.CharField(
                max_length=LONG_ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                validators=[refuse_control_characters_multiline],
                **common,
            )
    return OneLineField(max_length=SHORT_ANSWER_MAX_LENGTH, **common)


def stored_answer(value: object) -> str | list[str] | None:
    """An answer as Report.answers keeps it (the shape the Open311 server stores too): text,
    a list of keys, a number as written, a time with the site's offset; None when empty."""
    if value in (None, "", []):
        return None
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return str(value)


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
    title = OneLineField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("A few words, such as «Street light out outside number 12»."),
    )
    detail = forms.CharField(
        label=_("Details"),
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, and exactly where? This is published with the report."),
        validators=[refuse_control_characters_multiline],
    )
    photos = PhotosField(
        label=_("Photos (optional)"),
        help_text=_("Up to 5 photos: JPEG, PNG, WebP or HEIC, at most 12 MB each."),
    )
    name = OneLineField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
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
        self.questions = self.category_questions()
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = question_field(question)

    def category_questions(self) -> list[Question]:
        """The extra questions of the category the form is for. A category that is not
        offered at the place is refused in clean(), whatever its questions."""
        raw = self.data.get("category") if self.is_bound else self.initial.get("category")
        try:
            category_id = int(str(raw).strip())
        except ValueError:
            return []
        if not 0 < category_id < 2**63:  # beyond what any database's id column holds
            return []
        return list(Question.objects.filter(category_id=category_id).order_by("order", "id"))

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"question_{question.pk}"] for question in self.questions]

    def answers(self) -> dict[str, str | list[str]]:
        """The answers given, by question code, for Report.answers."""
        given = {
            question.code: stored_answer(self.cleaned_data.get(f"question_{question.pk}"))
            for question in self.questions
        }
        return {code: answer for code, answer in given.items() if answer is not None}

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise ValidationError(HONEYPOT_TRIPPED, code="honeypot")
        return ""

    def clean_photos(self) -> list[images.CheckedUpload]:
        """Every photo is checked from its header before anything is saved, so one bad photo
        among five stops the report with a message rather than saving part of it. Decoding
        is the worker's (reports/photos.py)."""
        # A robot that filled the trap gets no work done on its files.
        if self.has_error("website"):
            return []
        checked: list[images.CheckedUpload] = []
        errors: list[ValidationError] = []
        for number, upload in enumerate(self.cleaned_data["photos"], start=1):
            try:
                checked.append(images.check_upload(upload))
            except images.ImageRejected as rejected:
                errors.append(photo_error(number, upload.name or "", str(rejected)))
        if errors:
            raise ValidationError(errors)
        return checked

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
