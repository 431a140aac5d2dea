"""/questionnaire/<token>: the reporter answers "has it been fixed?". No login is needed: the
signed token in the e-mailed link is the proof of who is answering."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from torget.alerts import questionnaire as questions
from torget.alerts.models import Answer, Questionnaire
from torget.lib import ratelimit
from torget.lib.signing import BadToken, ExpiredToken
from torget.limits import counters
from torget.reports.actions import NotAllowed

TEXT_MAX_LENGTH = 5000
# A person answers once; these only stop a script guessing or hammering.
ANSWERS_PER_HOUR_PER_IP = 30
ANSWERS_PER_HOUR_PER_QUESTION = 10
RATE_WINDOW_SECONDS = 3600


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Has the problem been fixed?"), choices=Answer.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Anything to add? (optional)"),
        help_text=_("Published as your update on the report, and sent to the body."),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        questionnaire = questions.questionnaire_for(token)
    except ExpiredToken:
        return invalid(request, "expired", status=400)
    except (BadToken, ValueError):
        return invalid(request, "bad", status=400)
    except Questionnaire.DoesNotExist:
        return invalid(request, "gone", status=404)
    if not questionnaire.report.is_public:
        return invalid(request, "gone", status=404)
    if questionnaire.answered is not None:
        return show(request, questionnaire, status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        return show(request, questionnaire, form=AnswerForm())
    if not within_limit(request, questionnaire):
        messages.error(request, gettext("Too many answers from here. Please try again later."))
        response = show(request, questionnaire, form=AnswerForm(request.POST), status=429)
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return show(request, questionnaire, form=form, status=400)
    try:
        questions.answer_questionnaire(
            questionnaire=questionnaire,
            answer=form.cleaned_data["answer"],
            text=form.cleaned_data["text"].strip(),
        )
    except questions.AlreadyAnswered:
        questionnaire.refresh_from_db()
        return show(request, questionnaire, status=409)
    except NotAllowed:
        return invalid(request, "gone", status=404)
    messages.success(request, gettext("Thank you for your answer."))
    return redirect(request.path)


def show(
    request: HttpRequest,
    questionnaire: Questionnaire,
    *,
    form: AnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"questionnaire": questionnaire, "report": questionnaire.report, "form": form}
    return render(request, "alerts/questionnaire.html", context, status=status)


def invalid(request: HttpRequest, reason: str, *, status: int) -> HttpResponse:
    return render(request, "alerts/questionnaire_invalid.html", {"reason": reason}, status=status)


def within_limit(request: HttpRequest, questionnaire: Questionnaire) -> bool:
    keys = (
        (f"questionnaire:ip:{ratelimit.client_address(request)}", ANSWERS_PER_HOUR_PER_IP),
        (f"questionnaire:{questionnaire.pk}", ANSWERS_PER_HOUR_PER_QUESTION),
    )
    return all(counters.hit(key, limit, RATE_WINDOW_SECONDS) for key, limit in keys)
