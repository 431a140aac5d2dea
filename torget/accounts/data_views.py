"""A person's own data: the page that explains it, the export, its download, and erasure."""

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from torget.accounts import actions, exports
from torget.accounts.forms import EraseForm
from torget.accounts.models import DataExport, User


def the_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def my_data(request: HttpRequest) -> HttpResponse:
    user = the_user(request)
    latest = DataExport.objects.filter(user=user).order_by("-requested").first()
    context = {"export": latest, "form": EraseForm(), "link_hours": actions.export_link_life()}
    return render(request, "accounts/my_data.html", context)


@login_required
@require_POST
def request_export(request: HttpRequest) -> HttpResponse:
    try:
        actions.request_export(user=the_user(request))
    except actions.ExportPending:
        messages.info(request, gettext("Your data is being put together already."))
    else:
        messages.success(
            request,
            gettext(
                "Your data is being put together. You get an e-mail with a link when it is ready."
            ),
        )
    return redirect("accounts:my_data")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def download_export(request: HttpRequest, token: str) -> HttpResponseBase:
    """GET shows a button and POST downloads: mail scanners open links to check them, and a
    link that works once must not be used up by one."""
    try:
        export = actions.export_for_token(token, the_user(request))
    except actions.ExportGone:
        return render(request, "accounts/export_gone.html", status=410)
    if request.method == "GET":
        return render(request, "accounts/export_download.html", {"export": export})
    if not actions.use_export(export):
        return render(request, "accounts/export_gone.html", status=410)
    stored = exports.private_storage().open(export.file, "rb")
    return FileResponse(
        stored, as_attachment=True, filename=exports.filename(export.user, export.ready)
    )


@never_cache
@login_required
@require_POST
def erase(request: HttpRequest) -> HttpResponse:
    user = the_user(request)
    form = EraseForm(request.POST)
    if not form.is_valid():
        latest = DataExport.objects.filter(user=user).order_by("-requested").first()
        context = {"export": latest, "form": form, "link_hours": actions.export_link_life()}
        return render(request, "accounts/my_data.html", context, status=400)
    try:
        actions.erase_account(user=user)
    except actions.NotErasable:
        context = {"export": None, "form": form, "link_hours": actions.export_link_life()}
        messages.error(
            request,
            gettext(
                "Your account cannot be erased here, as your work for a body still names it. "
                "Ask the administrators of Torget to erase it."
            ),
        )
        return render(request, "accounts/my_data.html", context, status=409)
    auth.logout(request)
    return render(request, "accounts/erased.html")
