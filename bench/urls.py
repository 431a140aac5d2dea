"""The site's URLs plus a minimal view, the baseline bench/pages.py measures every page against.

Only the benchmark process uses this module, as its ROOT_URLCONF.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from torget.urls import urlpatterns as site


def minimal(request: HttpRequest) -> HttpResponse:
    """What a request costs before a view does anything: the full middleware stack and no
    query, template or cache."""
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal", minimal), *site]
