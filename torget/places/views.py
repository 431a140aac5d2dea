from dataclasses import asdict

from django.http import HttpRequest, JsonResponse, QueryDict
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from torget.places.geocoders import get_geocoder

MAX_QUERY_LENGTH = 200


@require_GET
def geocode(request: HttpRequest) -> JsonResponse:
    """?q=TEXT finds places; ?lat=..&lon=.. names the address at a point."""
    try:
        query = parse_geocode_query(request.GET)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    geocoder = get_geocoder()
    if isinstance(query, str):
        candidates, notice = geocoder.search_with_notice(query)
        results = [{"label": c.label, "lat": c.lat, "lon": c.lon} for c in candidates]
        return JsonResponse({"results": results, "notice": notice})
    address, notice = geocoder.reverse_with_notice(*query)
    return JsonResponse({"address": asdict(address) if address else None, "notice": notice})


def parse_geocode_query(params: QueryDict) -> str | tuple[float, float]:
    """The search text, or the (lat, lon) to look up; ValueError with a message for the user."""
    if "lat" in params or "lon" in params:
        if "q" in params:
            raise ValueError(gettext("Give either q or lat and lon, not both."))
        return parse_position(params.get("lat", ""), params.get("lon", ""))
    text = params.get("q", "").strip()
    if not text:
        raise ValueError(gettext("Give q, the text to search for, or lat and lon."))
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(
            gettext("The search text is too long: at most %(max)d characters.")
            % {"max": MAX_QUERY_LENGTH}
        )
    return text


def parse_position(raw_lat: str, raw_lon: str) -> tuple[float, float]:
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        raise ValueError(
            gettext("lat and lon must both be decimal degrees, such as lat=60.19&lon=11.99.")
        ) from None
    # Written so that NaN and infinity fail too: every comparison with NaN is false.
    if not -90 <= lat <= 90:
        raise ValueError(gettext("lat must be between -90 and 90."))
    if not -180 <= lon <= 180:
        raise ValueError(gettext("lon must be between -180 and 180."))
    return lat, lon
