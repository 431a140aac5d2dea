"""Staff requests: a request for access or erasure that came in by letter, answered by a
superuser (for all of Torget or one body) or by a body's manager (for that body's reports).

The staff member types the address; the page shows what Torget holds about it within the
scope, and offers it as the same ZIP a person gets of their own data, or anonymises it: the
links from the body's reports to the person go (accounts.actions.anonymise_within), and the
account stays for whatever lies outside the body. A superuser answering for all of Torget
erases the account as the person could. Each action is logged, with who did it, the
account's id and the scope, never the address.
"""

import logging
from tempfile import SpooledTemporaryFile

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from torget.accounts import actions, exports
from torget.accounts.handlers import Scope
from torget.accounts.models import Role, User
from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.places.models import Body

log = logging.getLogger("torget.site.requests")
EVERYWHERE = "all"


def bodies_for(user: User) -> list[Body]:
    """The bodies the user may answer requests for: any, for a superuser; else those they
    manage."""
    if user.is_superuser:
        return list(Body.objects.order_by("name"))
    return list(
        Body.objects.filter(memberships__user=user, memberships__role=Role.MANAGER).order_by("name")
    )


class RequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address the request is about"))
    scope = forms.ChoiceField(label=_("Within"))

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(str(body.pk), body.name) for body in bodies_for(user)]
        if user.is_superuser:
            choices.insert(0, (EVERYWHERE, gettext("All of Torget")))
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)
        scope.choices = choices

    def person(self) -> User | None:
        return User.objects.filter(email__iexact=self.cleaned_data["email"]).first()

    def the_scope(self) -> Scope:
        chosen = self.cleaned_data["scope"]
        return Scope(body_id=None if chosen == EVERYWHERE else int(chosen))


class AnonymiseForm(RequestForm):
    confirmed = forms.BooleanField(
        label=_("I have checked that the request is genuine, and want the person anonymised."),
        error_messages={"required": _("Tick the box to anonymise.")},
    )


def staff_member(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not (user.is_superuser or bodies_for(user)):
        raise PermissionDenied
    return user


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def find(request: HttpRequest) -> HttpResponse:
    user = staff_member(request)
    form = RequestForm(request.GET or None, user=user)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        person = form.person()
        context["person"] = person
        if person is not None:
            parts = exports.parts(person, form.the_scope())
            context["parts"] = [(part.name, len(part.records)) for part in parts]
            context["anonymise_form"] = AnonymiseForm(initial=form.cleaned_data, user=user)
    return render(request, "site/requests.html", context)


@never_cache
@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponseBase:
    user = staff_member(request)
    form = RequestForm(request.POST, user=user)
    if not form.is_valid() or (person := form.person()) is None:
        return render(request, "site/requests.html", {"form": form}, status=400)
    # FileResponse closes it once sent.
    spool = SpooledTemporaryFile(max_size=exports.SPOOL_BYTES)  # noqa: SIM115
    exports.write_zip(person, spool, form.the_scope())
    spool.seek(0)
    log.info(
        "Staff request: %s exported account %s within %s", user.pk, person.pk, scope_text(form)
    )
    audited(Action.EXPORT, user, person, form, request, {})
    return FileResponse(spool, as_attachment=True, filename=f"torget-request-{person.pk}.zip")


@never_cache
@login_required
@require_POST
def anonymise(request: HttpRequest) -> HttpResponse:
    user = staff_member(request)
    form = AnonymiseForm(request.POST, user=user)
    if not form.is_valid() or (person := form.person()) is None:
        context = {"form": form, "anonymise_form": form}
        return render(request, "site/requests.html", context, status=400)
    scope, person_id = form.the_scope(), person.pk
    try:
        if scope.everything:
            changed = actions.erase_account(user=person)
        else:
            changed = actions.anonymise_within(user=person, scope=scope)
    except actions.NotErasable:
        refused = {"form": form, "not_erasable": True}
        return render(request, "site/requests.html", refused, status=409)
    log.info(
        "Staff request: %s anonymised account %s within %s (%s rows)",
        user.pk,
        person_id,
        scope_text(form),
        changed,
    )
    audited(Action.ANONYMISE, user, person, form, request, {"rows": changed})
    return render(request, "site/request_done.html", {"changed": changed})


def scope_text(form: RequestForm) -> str:
    body_id = form.the_scope().body_id
    return "all of Torget" if body_id is None else f"body {body_id}"


def audited(
    action: Action,
    user: User,
    person: User,
    form: RequestForm,
    request: HttpRequest,
    after: dict[str, object],
) -> None:
    """In the audit log, under the body the request was answered for (superusers only read
    the requests answered for all of Torget). The person is named by account id only: an
    erased account's address must not live on in the log."""
    body_id = form.the_scope().body_id
    body = Body.objects.filter(pk=body_id).first() if body_id else None
    audit(
        action=action,
        actor=user,
        body=body,
        after={"account": person.pk, "within": scope_text(form), **after},
        request=request,
    )
