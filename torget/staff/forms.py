"""The forms of the staff workspace. Every choice offered is limited to the member's own
body (its staff, priorities, templates), so a posted id of another body's is a form error,
never a change."""

from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from torget.accounts.models import User
from torget.lib.text import (
    OneLineField,
    refuse_control_characters,
    refuse_control_characters_multiline,
)
from torget.places.models import Body
from torget.reports.models import PUBLIC_STATES, Category, Report, State
from torget.staff import templating
from torget.staff.models import Priority, ResponseTemplate

TEXT_MAX_LENGTH = 5000
# A report can be marked a duplicate only by picking its original (issue 14, point 3), which
# the bulk and answer forms here do not do.
ANSWER_STATES = [s for s in State if s in PUBLIC_STATES and s != State.DUPLICATE]


class StaffForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def set_choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


def long_text(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        validators=[refuse_control_characters_multiline],
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def colleagues(body: Body) -> list[User]:
    return list(User.objects.filter(memberships__body=body, is_active=True).order_by("name"))


class AssignForm(StaffForm):
    prefix = "assign"
    assignee = forms.TypedChoiceField(
        label=_("Assigned to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, body: Body, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        self.set_choices("assignee", [("", _("Nobody"))] + [(u.pk, str(u)) for u in staff])

    def chosen(self) -> User | None:
        pk = self.cleaned_data["assignee"]
        return self.staff[pk] if pk is not None else None


class PriorityForm(StaffForm):
    prefix = "priority"
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, priorities: list[Priority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.priorities = {p.pk: p for p in priorities}
        self.set_choices(
            "priority", [("", _("No priority"))] + [(p.pk, p.name) for p in priorities]
        )

    def chosen(self) -> Priority | None:
        pk = self.cleaned_data["priority"]
        return self.priorities[pk] if pk is not None else None


class NoteForm(StaffForm):
    prefix = "note"
    text = long_text(_("Internal note"))


def templates_for(body: Body, category_id: int | None = None) -> list[ResponseTemplate]:
    """The body's templates in use for this category (those for all categories too), or all
    of them when no category is given, by title."""
    found = ResponseTemplate.objects.filter(body=body, active=True)
    if category_id is not None:
        found = found.filter(Q(category__isnull=True) | Q(category_id=category_id))
    return list(found.order_by("title", "id"))


class AnswerForm(StaffForm):
    """A public answer, optionally from a template. Three buttons: fill in the template,
    preview, publish; only publishing writes anything."""

    prefix = "answer"
    USE, PREVIEW, PUBLISH = "use", "preview", "publish"

    template = forms.TypedChoiceField(
        label=_("Response template"), required=False, coerce=int, empty_value=None
    )
    language = forms.ChoiceField(
        label=_("Language of the template"),
        choices=[("nb", "Bokmål"), ("nn", "Nynorsk")],
        required=False,
    )
    text = long_text(_("Public answer"), required=False)
    new_state = forms.ChoiceField(label=_("State"))
    # The button pressed (rendered by the template as three submit buttons).
    do = forms.ChoiceField(
        choices=[(USE, USE), (PREVIEW, PREVIEW), (PUBLISH, PUBLISH)], required=False
    )

    def __init__(
        self, *args: Any, report: Report, body: Body, templates: list[ResponseTemplate], **kw: Any
    ) -> None:
        kw.setdefault("initial", {"new_state": report.state, "language": body.language})
        super().__init__(*args, **kw)
        self.report, self.body = report, body
        self.templates = {t.pk: t for t in templates}
        self.set_choices("template", [("", _("None"))] + [(t.pk, t.title) for t in templates])
        self.set_choices("new_state", [(s.value, s.label) for s in ANSWER_STATES])
        if report.state == State.DUPLICATE:
            # Kept as it is unless staff choose another state; marking a duplicate is the
            # duplicate picker's job.
            self.set_choices(
                "new_state",
                [(State.DUPLICATE.value, State.DUPLICATE.label)]
                + [(s.value, s.label) for s in ANSWER_STATES],
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        do = data.get("do") or self.PUBLISH
        data["do"] = do
        template = self.templates.get(data.get("template") or 0)
        if do == self.USE:
            if template is None:
                self.add_error("template", _("Choose a template to use."))
                return data
            try:
                data["text"] = templating.render(
                    template.text_in(data.get("language") or self.body.language),
                    report=self.report,
                    body=self.body,
                    language=data.get("language") or self.body.language,
                )
            except templating.TemplateError as error:
                self.add_error("template", str(error))
            if template.new_state:
                data["new_state"] = template.new_state
        elif (
            do == self.PUBLISH
            and not data.get("text")
            and data.get("new_state") == self.report.state
        ):
            self.add_error("text", _("Write an answer, or choose another state."))
        return data

    def refilled(self) -> "AnswerForm":
        """The form again with the template's text and state filled in, to edit."""
        data = {
            f"{self.prefix}-{name}": "" if value is None else value
            for name, value in self.cleaned_data.items()
        }
        data[f"{self.prefix}-do"] = self.PREVIEW
        return AnswerForm(
            data, report=self.report, body=self.body, templates=list(self.templates.values())
        )

    def chosen_state_label(self) -> str:
        return str(State(self.cleaned_data["new_state"]).label)

    def state_change(self) -> str:
        state = self.cleaned_data["new_state"]
        return "" if state == self.report.state else state


class CategoryForm(StaffForm):
    """The categories offered where the report is; another body's sends the report there
    too (reports.actions.change_category)."""

    prefix = "category"
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"category": report.category_id})
        super().__init__(*args, **kwargs)
        offered = Category.objects.offered_at(report.lat, report.lon).select_related("body")
        self.offered = {c.pk: c for c in offered}
        labelled = sorted((f"{c.name} ({c.body.name})", c.pk) for c in offered)
        self.set_choices("category", [(pk, label) for label, pk in labelled])

    def chosen(self) -> Category:
        return self.offered[self.cleaned_data["category"]]


class SaveFilterForm(StaffForm):
    prefix = "save"
    name = OneLineField(label=_("Name of the filter"), max_length=100)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class BulkForm(StaffForm):
    """One action on the reports ticked in the inbox, all of one body. Which action is the
    button pressed (`do`); each uses only its own fields."""

    ASSIGN, PRIORITY, STATE, TEMPLATE = "assign", "priority", "state", "template"
    MAX_REPORTS = 200

    reports = forms.TypedMultipleChoiceField(label=_("Reports"), coerce=int)
    do = forms.ChoiceField(
        choices=[(ASSIGN, ASSIGN), (PRIORITY, PRIORITY), (STATE, STATE), (TEMPLATE, TEMPLATE)]
    )
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )
    priority = forms.TypedChoiceField(
        label=_("Set the priority"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(label=_("Set the state"), required=False)
    text = long_text(_("Public answer (optional)"), required=False)
    template = forms.TypedChoiceField(
        label=_("Answer with the template"), required=False, coerce=int, empty_value=None
    )
    language = forms.ChoiceField(
        label=_("Language of the template"),
        choices=[("nb", "Bokmål"), ("nn", "Nynorsk")],
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        body: Body,
        report_ids: list[int],
        staff: list[User],
        priorities: list[Priority],
        templates: list[ResponseTemplate],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"language": body.language})
        super().__init__(*args, **kwargs)
        self.body = body
        self.staff = {u.pk: u for u in staff}
        self.priorities = {p.pk: p for p in priorities}
        self.templates = {t.pk: t for t in templates}
        self.set_choices("reports", [(pk, pk) for pk in report_ids])
        self.set_choices("assignee", [("", _("Nobody"))] + [(u.pk, str(u)) for u in staff])
        self.set_choices(
            "priority", [("", _("No priority"))] + [(p.pk, p.name) for p in priorities]
        )
        self.set_choices("state", [("", "")] + [(s.value, s.label) for s in ANSWER_STATES])
        self.set_choices("template", [("", "")] + [(t.pk, t.title) for t in templates])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if len(data.get("reports") or []) > self.MAX_REPORTS:
            self.add_error(
                "reports", _("Choose at most %(count)d reports.") % {"count": self.MAX_REPORTS}
            )
        do = data.get("do")
        if do == self.STATE and not data.get("state"):
            self.add_error("state", _("Choose the state."))
        if do == self.TEMPLATE:
            template = self.templates.get(data.get("template") or 0)
            if template is None:
                self.add_error("template", _("Choose a template to use."))
            elif template.category_id is not None:
                # A template for one category is only offered for that category's reports.
                data["template_category"] = template.category_id
        return data

    def chosen_template(self) -> ResponseTemplate:
        return self.templates[self.cleaned_data["template"]]


class TemplateForm(forms.ModelForm[ResponseTemplate]):
    class Meta:
        model = ResponseTemplate
        fields = ["title", "category", "text_nb", "text_nn", "new_state", "active"]

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.instance.body = body
        category = cast(forms.ModelChoiceField[Category], self.fields["category"])
        category.queryset = Category.objects.filter(body=body)
        category.empty_label = str(_("All the body's categories"))
        state = cast(forms.ChoiceField, self.fields["new_state"])
        state.choices = [("", _("Leave the state as it is"))] + [
            (s.value, s.label) for s in ANSWER_STATES
        ]
        placeholders = ", ".join("{%s}" % name for name in templating.PLACEHOLDERS)  # noqa: UP031
        self.fields["text_nb"].help_text = _("Placeholders: %(names)s.") % {"names": placeholders}
        for name in ("text_nb", "text_nn"):
            self.fields[name].validators.append(refuse_control_characters_multiline)
            self.fields[name].validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
            self.fields[name].widget.attrs["maxlength"] = TEXT_MAX_LENGTH
        self.fields["title"].validators.append(refuse_control_characters)

    def clean_text_nb(self) -> str:
        return self.checked("text_nb")

    def clean_text_nn(self) -> str:
        return self.checked("text_nn")

    def checked(self, name: str) -> str:
        text = self.cleaned_data.get(name) or ""
        try:
            templating.check(text)
        except templating.TemplateError as error:
            raise forms.ValidationError(str(error)) from error
        return text


class PriorityModelForm(forms.ModelForm[Priority]):
    class Meta:
        model = Priority
        fields = ["name", "position"]

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.instance.body = body
        self.fields["name"].validators.append(refuse_control_characters)

    def clean_name(self) -> str:
        name = self.cleaned_data.get("name") or ""
        taken = Priority.objects.filter(body=self.instance.body, name=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("The body has a priority of that name already."))
        return name
