"""POST requests: filing a service request with an API key."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext

from torget.lib import ratelimit
from torget.limits import counters
from torget.open311 import actions, forms, render
from torget.open311.models import ApiKey
from torget.open311.params import ApiError, value
from torget.open311.views.common import jurisdiction, params_of
from torget.reports import limits
from torget.reports.views.submit import address_at

RATE_WINDOW_SECONDS = 3600


def submit(request: HttpRequest, fmt: str) -> HttpResponse:
    data = params_of(request)
    # Per address, whatever the key: a leaked key used from many machines still meets the
    # per-key limit, and one machine trying keys meets this one.
    per_address = settings.OPEN311_POSTS_PER_HOUR
    address = ratelimit.client_address(request)
    if per_address and not counters.hit(
        "open311-post:ip:" + address, per_address, RATE_WINDOW_SECONDS
    ):
        raise too_many()
    key = api_key(value(data, "api_key"))
    if not counters.hit(f"open311-post:key:{key.pk}", key.posts_per_hour, RATE_WINDOW_SECONDS):
        raise too_many()
    body = jurisdiction(data)
    new = forms.read_new_request(data, request.FILES, key, body)
    # Confirmation e-mails per reporter's address, for keys that are not trusted (a trusted
    # client vouches for its reporters, and no e-mail goes to them): the web form's limit.
    if not key.trusted and not limits.count_report_from(new.email):
        raise too_many()
    new.address = new.address or address_at(new.lat, new.lon)
    language = get_language() or "nb"
    submission = actions.file_request(new=new, key=key, language=language)
    if key.trusted:
        answer = {
            "service_request_id": str(submission.report_id),
            "service_notice": None,
            "account_id": None,
        }
    else:
        notice = gettext(
            "The reporter has been sent an e-mail to confirm the request; it is published and "
            "sent on when they do. Ask tokens/{token} for its service_request_id."
        )
        answer = {"token": submission.token, "service_notice": notice, "account_id": None}
    return render.respond(fmt, "service_requests", [answer])


def api_key(raw: str) -> ApiKey:
    if not raw:
        raise ApiError(403, [gettext("api_key is missing.")])
    key = ApiKey.objects.usable().filter(key=raw[:100]).first()
    if key is None:
        raise ApiError(403, [gettext("Invalid api_key received.")])
    return key


def too_many() -> ApiError:
    return ApiError(429, [gettext("Too many requests; wait an hour and try again.")])
