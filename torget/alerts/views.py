"""The alerts pages: sign up from an address, a position or a report; confirm; my alerts;
and the unsubscribe link that needs no login."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from torget.accounts import actions as account_actions
from torget.accounts.models import User
from torget.alerts import actions
from torget.alerts.forms import EditForm, PointAlertForm, ReportAlertForm
from torget.alerts.models import Subscription
from torget.lib import ratelimit
from torget.lib.signing import BadToken, ExpiredToken
from torget.limits import counters
from torget.places.geocoders import get_geocoder
from torget.places.views import MAX_QUERY_LENGTH, parse_position
from torget.reports.models import Report

# Every sign-up counts against the client's address; each e-mail address may be sent only a
# few confirmation e-mails an hour, so the form cannot be used to flood someone's inbox.
SIGNUPS_PER_IP = 30
CONFIRMATIONS_PER_EMAIL = 5
RATE_WINDOW_SECONDS = 3600


def verified_user(request: HttpRequest) -> User | None:
    """The logged-in user whose address is proven, who is subscribed without an e-mail."""
    user = request.user
    return user if isinstance(user, User) and user.email_verified else None


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """?report=ID follows a report; ?lat=&lon= offers what to follow there; ?q= finds it."""
    if "report" in request.GET:
        try:
            report_id = int(request.GET["report"])
        except ValueError:
            return bad_request(request, gettext("report must be a report's number."))
        report = get_object_or_404(Report.objects.public(), pk=report_id)
        form = ReportAlertForm(
            initial={"report": report.pk}, needs_email=verified_user(request) is None
        )
        return render(request, "alerts/report.html", {"report": report, "form": form})
    if "lat" in request.GET or "lon" in request.GET:
        try:
            lat, lon = parse_position(request.GET.get("lat", ""), request.GET.get("lon", ""))
        except ValueError as error:
            return bad_request(request, str(error))
        return point_page(request, lat, lon, label=request.GET.get("label", "")[:200])
    if "q" in request.GET:
        return search(request, request.GET["q"].strip())
    return render(request, "alerts/start.html", {})


def search(request: HttpRequest, text: str) -> HttpResponse:
    if not text:
        return bad_request(request, gettext("Type an address, a place name or a postcode."))
    if len(text) > MAX_QUERY_LENGTH:
        message = gettext("The search text is too long: at most %(max)d characters.") % {
            "max": MAX_QUERY_LENGTH
        }
        return bad_request(request, message)
    candidates, notice = get_geocoder().search_with_notice(text)
    if len(candidates) == 1:
        place = candidates[0]
        return point_page(request, place.lat, place.lon, label=place.label)
    context = {"q": text, "candidates": candidates, "notice": notice}
    return render(request, "alerts/start.html", context)


def point_page(
    request: HttpRequest,
    lat: float,
    lon: float,
    *,
    label: str = "",
    form: PointAlertForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = PointAlertForm(
            initial={"lat": lat, "lon": lon, "label": label},
            lat=lat,
            lon=lon,
            needs_email=verified_user(request) is None,
        )
    context = {"form": form, "label": label, "lat": lat, "lon": lon}
    return render(request, "alerts/point.html", context, status=status)


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "alerts/bad_request.html", {"message": message}, status=400)


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    client = ratelimit.client_address(request)
    if not counters.hit("alert-signup:ip:" + client, SIGNUPS_PER_IP, RATE_WINDOW_SECONDS):
        return too_many(request)
    user = verified_user(request)
    if "report" in request.POST:
        report_form = ReportAlertForm(request.POST, needs_email=user is None)
        if not report_form.is_valid():
            if "report" in report_form.errors:
                return bad_request(request, " ".join(str(e) for e in report_form.errors["report"]))
            context = {"report": report_form.cleaned_data["report"], "form": report_form}
            return render(request, "alerts/report.html", context, status=400)
        return signed_up(request, user, report_form.chosen_target(), report_form.cleaned_data)
    try:
        lat, lon = parse_position(request.POST.get("lat", ""), request.POST.get("lon", ""))
    except ValueError as error:
        return bad_request(request, str(error))
    form = PointAlertForm(request.POST, lat=lat, lon=lon, needs_email=user is None)
    if not form.is_valid():
        label = request.POST.get("label", "")[:200]
        return point_page(request, lat, lon, label=label, form=form, status=400)
    return signed_up(request, user, form.chosen_target(), form.cleaned_data)


def signed_up(
    request: HttpRequest, user: User | None, target: actions.Target, data: dict[str, object]
) -> HttpResponse:
    if user is not None:
        subscription = actions.subscribe(user=user, target=target)
        account_actions.remember_language(user, get_language())
        messages.success(
            request,
            gettext("Done. You will get e-mail about: %(what)s")
            % {"what": subscription.description()},
        )
        return redirect("alerts:mine")
    email = str(data["email"]).strip()
    key = "alert-signup:email:" + email.lower()
    if not counters.hit(key, CONFIRMATIONS_PER_EMAIL, RATE_WINDOW_SECONDS):
        return too_many(request)
    actions.sign_up_by_email(email=email, target=target, language=get_language())
    context = {"email": email, "days": actions.CONFIRMATION_DAYS}
    return render(request, "alerts/check_email.html", context)


def too_many(request: HttpRequest) -> HttpResponse:
    return ratelimit.refused(request, "alerts/rate_limited.html", RATE_WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Mail scanners open links to check them: opening the link only shows a button, and the
    button's POST is what confirms."""
    try:
        subscription = actions.subscription_for_confirmation(token)
    except ExpiredToken:
        return confirm_failed(request, "expired")
    except (BadToken, Subscription.DoesNotExist, ValueError):
        return confirm_failed(request, "bad")
    if request.method == "GET":
        context = {"subscription": subscription}
        return render(request, "alerts/confirm_ask.html", context)
    actions.confirm_subscription(subscription=subscription)
    # The alerts will be written in the language the person confirmed in.
    account_actions.remember_language(subscription.user, get_language())
    return render(request, "alerts/confirmed.html", {"subscription": subscription})


def confirm_failed(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "alerts/confirm_invalid.html", {"reason": reason}, status=400)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    subscriptions = (
        Subscription.objects.filter(user=request.user, confirmed__isnull=False)
        .select_related("report", "area", "body")
        .prefetch_related("categories")
        .order_by("-active", "kind", "-created", "-pk")
    )
    return render(request, "alerts/mine.html", {"subscriptions": subscriptions})


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my alerts. Someone else's is a 404: whether it exists is not theirs to know."""
    subscription = get_object_or_404(
        Subscription.objects.select_related("report", "area", "body"),
        pk=pk,
        user_id=request.user.pk,
        confirmed__isnull=False,
    )
    if request.method == "GET":
        form = EditForm(subscription=subscription)
        return render(request, "alerts/edit.html", {"subscription": subscription, "form": form})
    form = EditForm(request.POST, subscription=subscription)
    if not form.is_valid():
        context = {"subscription": subscription, "form": form}
        return render(request, "alerts/edit.html", context, status=400)
    actions.change_subscription(subscription=subscription, changes=form.changes())
    messages.success(request, gettext("Your alert is saved."))
    return redirect("alerts:mine")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every alert e-mail, and its List-Unsubscribe header.

    RFC 8058: a mail client's one-click unsubscribe is a POST of exactly
    `List-Unsubscribe=One-Click` to the header's address, with no cookies and so without a
    CSRF token; that body alone is accepted without one. The signed token in the address is
    what proves the request came from the e-mail. Any other POST is the button on the page
    that a GET shows, and must carry the page's CSRF token. A GET changes nothing, because
    mail scanners follow links.
    """
    try:
        request_for = actions.read_unsubscribe_token(token)
    except (BadToken, ValueError):
        return render(request, "alerts/unsubscribe_invalid.html", status=400)
    subscriptions = request_for.subscriptions().select_related("report", "area", "body")
    if request.method == "GET":
        context = {"subscriptions": subscriptions, "everything": not request_for.subscription_ids}
        return render(request, "alerts/unsubscribe_ask.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    if not one_click and not csrf_passes(request):
        return render(request, "alerts/unsubscribe_invalid.html", status=403)
    actions.unsubscribe(request=request_for)
    if one_click:
        return HttpResponse(gettext("You are unsubscribed."), content_type="text/plain")
    return render(request, "alerts/unsubscribed.html", {"subscriptions": subscriptions})


def csrf_passes(request: HttpRequest) -> bool:
    from django.middleware.csrf import CsrfViewMiddleware

    def no_view(request: HttpRequest) -> HttpResponse:
        raise Http404

    middleware = CsrfViewMiddleware(no_view)
    return middleware.process_view(request, no_view, (), {}) is None
