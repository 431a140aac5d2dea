from django.http import Http404, HttpRequest, HttpResponse


def not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
