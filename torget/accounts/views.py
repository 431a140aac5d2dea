"""Logging in with a password or with a one-time link sent by e-mail, and logging out."""

from django.contrib import auth
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
)
from django.utils.translation import get_language
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from torget.accounts import actions
from torget.accounts.forms import LoginForm, LoginLinkRequestForm
from torget.accounts.models import SignInMethod, User
from torget.accounts.tokens import login_link_tokens
from torget.lib import ratelimit
from torget.limits import counters

LINK_REQUESTS_PER_WINDOW = 5
LINK_REQUEST_WINDOW_SECONDS = 15 * 60
PASSWORD_ATTEMPTS_PER_WINDOW = 10
# A user who follows a link has not been through authenticate(), so login() must be told
# which backend vouches for them.
LINK_LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def log_in(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and not _password_attempt_allowed(request):
        return _too_many_requests(request)
    if form.is_valid():
        user = form.get_user()
        auth.login(request, user)
        actions.record_sign_in(user, SignInMethod.PASSWORD, request)
        actions.remember_language(user, get_language())
        return redirect(_next_url(request))
    if request.method == "POST":
        actions.record_failed_sign_in(email=request.POST.get("username", ""), request=request)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def request_login_link(request: HttpRequest) -> HttpResponse:
    form = LoginLinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _link_request_allowed("ip:" + ratelimit.client_address(request)):
            return _too_many_requests(request)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if not _link_request_allowed("email:" + email):
                return _too_many_requests(request)
            actions.request_login_link(
                email=email, next_url=_next_url(request), language=get_language()
            )
            # The same page whether or not the address has an account, so the form cannot be
            # used to find out who uses Torget.
            return render(request, "accounts/login_link_sent.html", {"email": email})
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/login_link_request.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def log_in_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_for_link(uidb64, token)
    if user is not None and request.method == "GET":
        # Mail scanners open links to check them, so opening the link only shows a button;
        # the button's POST is what uses the link up.
        return render(request, "accounts/login_link_confirm.html", {"next": _next_url(request)})
    if user is None or not actions.use_login_link(user):
        return render(request, "accounts/login_link_invalid.html", status=400)
    auth.login(request, user, backend=LINK_LOGIN_BACKEND)
    actions.record_sign_in(user, SignInMethod.LINK, request)
    actions.remember_language(user, get_language())
    return redirect(_next_url(request))


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("home")


def _next_url(request: HttpRequest) -> str:
    """The local page to go to after logging in, from `next`; the front page otherwise."""
    url = request.POST.get("next") or request.GET.get("next", "")
    is_local = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if is_local else "/"


def _link_request_allowed(key: str) -> bool:
    return counters.hit("login-link:" + key, LINK_REQUESTS_PER_WINDOW, LINK_REQUEST_WINDOW_SECONDS)


def _password_attempt_allowed(request: HttpRequest) -> bool:
    """Password guessing is slowed per address tried and per client."""
    address = request.POST.get("username", "").strip().lower()
    return all(
        counters.hit(key, PASSWORD_ATTEMPTS_PER_WINDOW, LINK_REQUEST_WINDOW_SECONDS)
        for key in ("password:ip:" + ratelimit.client_address(request), "password:" + address)
    )


def _too_many_requests(request: HttpRequest) -> HttpResponse:
    return ratelimit.refused(request, "accounts/rate_limited.html", LINK_REQUEST_WINDOW_SECONDS)


def _user_for_link(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (ValueError, TypeError, OverflowError, ValidationError, User.DoesNotExist):
        return None
    return user if login_link_tokens.check_token(user, token) else None


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps a signed-in person's choice for the e-mails
    sent to them."""
    response = i18n.set_language(request)
    if isinstance(request.user, User):
        actions.remember_language(request.user, request.POST.get("language"), replace=True)
    return response
