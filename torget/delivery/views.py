"""The inbound e-mail webhook: a mail provider posts a body's reply here."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from torget.delivery import inbound
from torget.lib.nulbytes import nul_allowed_in_form
from torget.reports.models import HeldReply

# Replies carry photos and forwarded attachments; only the text is kept, but the whole
# message has to be read.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024


@nul_allowed_in_form  # A raw e-mail, not text to store: receive_reply() drops the NULs.
@csrf_exempt  # Machine to machine: the shared secret authenticates it, not a cookie.
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    """The raw RFC 822 message as the request body (Content-Type: message/rfc822), or as the
    form field or file `message`; authorised by `Authorization: Bearer <secret>`."""
    secret = settings.INBOUND_EMAIL_SECRET
    if not secret:
        raise Http404("The inbound e-mail webhook is off.")
    if not bearer_matches(request, secret):
        return JsonResponse({"error": "Wrong or missing secret."}, status=403)
    raw = raw_message(request)
    if len(raw) > MAX_MESSAGE_BYTES:
        return JsonResponse({"error": "The message is too large."}, status=413)
    try:
        update = inbound.receive_reply(raw)
    except inbound.Ignored as reason:
        return JsonResponse({"ignored": str(reason)})
    except inbound.InboundError as error:
        return JsonResponse({"error": str(error)}, status=400)
    if isinstance(update, HeldReply):
        return JsonResponse({"held_for_review": update.pk, "report": update.report_id})
    return JsonResponse({"update": update.pk, "report": update.report_id})


def bearer_matches(request: HttpRequest, secret: str) -> bool:
    given = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(given, f"Bearer {secret}".encode())


def raw_message(request: HttpRequest) -> bytes:
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.FILES.get("message")
        if upload is not None:
            return upload.read(MAX_MESSAGE_BYTES + 1)
        return request.POST.get("message", "").encode()
    return request.read(MAX_MESSAGE_BYTES + 1)
