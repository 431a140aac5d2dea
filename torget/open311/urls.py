from django.urls import URLPattern, URLResolver, path, re_path

from torget.open311.views import pages, requests, services

app_name = "open311"

FORMAT = r"\.(?P<fmt>xml|json)$"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.home, name="home"),
    path("v2/openapi.json", pages.openapi_document, name="openapi"),
    re_path(r"^v2/discovery" + FORMAT, services.discovery, name="discovery"),
    re_path(r"^v2/services" + FORMAT, services.services, name="services"),
    re_path(r"^v2/services/(?P<code>[^/]+)" + FORMAT, services.definition, name="definition"),
    re_path(r"^v2/requests" + FORMAT, requests.requests, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[^/]+)" + FORMAT, requests.one_request, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/]+)" + FORMAT, requests.token, name="token"),
    re_path(r"^v2/servicerequestupdates" + FORMAT, requests.updates, name="updates"),
    # Anything else under v2/ gets a spec error rather than an HTML page.
    re_path(r"^v2/(?P<rest>.*)$", pages.not_found, name="not-found"),
]
