"""Reading a POST requests: every parameter checked, every problem reported together.

Attributes arrive in three shapes, all accepted: `attribute[C]=v` (the spec, one value),
`attribute[C][]=v1&attribute[C][]=v2` (the spec, a list) and `attribute[C]=v1&attribute[C]=v2`
(what FixMyStreet sends for a list). Codes may hold spaces or `?`.
"""

import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext

from torget.lib import images
from torget.lib.text import MULTILINE, has_control_characters, one_line
from torget.open311 import records
from torget.open311.models import ApiKey
from torget.open311.params import ApiError, local_iso, parse_datetime, parse_number, value
from torget.places.geocoders import GeocoderUnavailable, get_geocoder
from torget.places.models import Body
from torget.reports.forms import MAX_PHOTOS, TITLE_MAX_LENGTH, validate_phone
from torget.reports.models import Category, Datatype, Question

logger = logging.getLogger(__name__)

ATTRIBUTE_KEY = re.compile(r"^attribute\[(.+?)\](\[\])?$")
DESCRIPTION_MAX = 4000
NAME_MAX = 100
EMAIL_MAX = 254
ADDRESS_MAX = 300
MEDIA_URLS_MAX = 5
URL_MAX = 500
SHORT_ANSWER_MAX = 1000


@dataclass
class NewRequest:
    category: Category
    lat: float
    lon: float
    address: str
    email: str
    name: str
    phone: str
    title: str
    detail: str
    photos: list[images.CheckedUpload] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    media_urls: list[str] = field(default_factory=list)
    device_id: str = ""


class Reader:
    def __init__(self, data: QueryDict) -> None:
        self.data = data
        self.errors: list[str] = []

    def text(self, name: str, max_length: int, *, multiline: bool = False) -> str:
        raw = value(self.data, name) if multiline else one_line(value(self.data, name))
        if len(raw) > max_length:
            self.errors.append(
                gettext("%(name)s is too long: at most %(max)d characters.")
                % {"name": name, "max": max_length}
            )
            return ""
        if has_control_characters(raw, allowed=MULTILINE if multiline else ""):
            self.errors.append(gettext("%(name)s contains control characters.") % {"name": name})
            return ""
        return raw


def read_new_request(
    data: QueryDict, files: MultiValueDict[str, UploadedFile], key: ApiKey, body: Body | None
) -> NewRequest:
    category = service(data, key, body)
    read = Reader(data)
    email = read_email(read)
    name = " ".join(
        part
        for part in (read.text("first_name", NAME_MAX), read.text("last_name", NAME_MAX))
        if part
    )[:NAME_MAX]
    phone = read_phone(read)
    description = read.text("description", DESCRIPTION_MAX, multiline=True)
    title = read.text("title", TITLE_MAX_LENGTH)
    address = read.text("address_string", ADDRESS_MAX)
    media_urls = read_media_urls(read)
    device_id = read.text("device_id", 200)
    attributes = read_attributes(read, category)
    location = read_location(read, address)
    photos = read_photos(read, files)
    if read.errors or location is None:
        raise ApiError(400, read.errors)
    lat, lon = location
    check_coverage(category, lat, lon)
    return NewRequest(
        category=category,
        lat=lat,
        lon=lon,
        address=address,
        email=email,
        name=name,
        phone=phone,
        title=title or title_from(description) or category.name_nb,
        detail=description,
        photos=photos,
        attributes=attributes,
        media_urls=media_urls,
        device_id=device_id,
    )


def service(data: QueryDict, key: ApiKey, body: Body | None) -> Category:
    code = value(data, "service_code")
    if not code:
        raise ApiError(400, [gettext("service_code is missing.")])
    pk = records.category_id(code)
    categories = Category.objects.filter(active=True, body__active=True).select_related("body")
    if body is not None:
        categories = categories.filter(body=body)
    category = categories.filter(pk=pk).first() if pk is not None else None
    if category is None:
        raise ApiError(404, [gettext("service_code %(code)s is not known.") % {"code": code[:100]}])
    if key.body_id is not None and category.body_id != key.body_id:
        raise ApiError(
            403,
            [gettext("This api_key may only file requests for %(body)s.") % {"body": key.body}],
        )
    return category


def title_from(description: str) -> str:
    """The first line of the description, shortened to a title. A line may end in CR alone
    (old Macs, some form libraries), so lines are split as Python splits them."""
    first = one_line(next(iter(description.strip().splitlines()), ""))
    if len(first) <= TITLE_MAX_LENGTH:
        return first
    return first[: TITLE_MAX_LENGTH - 1].rstrip() + "…"


def read_email(read: Reader) -> str:
    email = value(read.data, "email")
    if not email:
        read.errors.append(gettext("email is missing: the reporter's address, never published."))
        return ""
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError("too long")
        EmailValidator()(email)
    except ValidationError:
        read.errors.append(gettext("email is not a valid e-mail address."))
        return ""
    return email


def read_phone(read: Reader) -> str:
    phone = value(read.data, "phone")
    if not phone:
        return ""
    try:
        validate_phone(phone)
    except ValidationError:
        read.errors.append(gettext("phone must be 5 to 20 digits; spaces, + and - are allowed."))
        return ""
    return phone


def read_media_urls(read: Reader) -> list[str]:
    urls = [url.strip() for url in read.data.getlist("media_url") if url.strip()]
    if len(urls) > MEDIA_URLS_MAX:
        read.errors.append(gettext("Send at most %(max)d media_url.") % {"max": MEDIA_URLS_MAX})
        return []
    validate = URLValidator(schemes=["http", "https"])
    for url in urls:
        try:
            if len(url) > URL_MAX:
                raise ValidationError("too long")
            validate(url)
        except ValidationError:
            read.errors.append(gettext("media_url must be an http or https address."))
            return []
    return urls


def read_location(read: Reader, address: str) -> tuple[float, float] | None:
    raw_lat, raw_lon = value(read.data, "lat"), value(read.data, "long")
    if raw_lat or raw_lon:
        if not (raw_lat and raw_lon):
            read.errors.append(gettext("lat and long must be given together."))
            return None
        try:
            return parse_number("lat", raw_lat, -90, 90), parse_number("long", raw_lon, -180, 180)
        except ValueError as error:
            read.errors.append(str(error))
            return None
    if address:
        return geocode(read, address)
    if value(read.data, "address_id"):
        read.errors.append(
            gettext("address_id is not supported here; send lat and long, or address_string.")
        )
        return None
    read.errors.append(gettext("The location is missing: send lat and long, or address_string."))
    return None


def geocode(read: Reader, address: str) -> tuple[float, float] | None:
    try:
        found = get_geocoder().search(address, limit=1)
    except GeocoderUnavailable:
        found = []
    if not found:
        read.errors.append(
            gettext("address_string %(address)s was not found; send lat and long instead.")
            % {"address": address}
        )
        return None
    return found[0].lat, found[0].lon


def check_coverage(category: Category, lat: float, lon: float) -> None:
    covering = list(Body.objects.covering(lat, lon).values_list("pk", flat=True))
    if not covering:
        raise ApiError(
            400, [gettext("No body on Torget is responsible for the place at lat, long.")]
        )
    if category.body_id not in covering:
        raise ApiError(
            400,
            [
                gettext("The place is outside the area of %(body)s, which handles this service.")
                % {"body": category.body.name}
            ],
        )


def read_photos(
    read: Reader, files: MultiValueDict[str, UploadedFile]
) -> list[images.CheckedUpload]:
    """Every uploaded file is a photo, whatever its part is called: FixMyStreet sends
    photo1..N, CitySDK media[] and others media. Each is checked from its header, as on the
    web, and made ready by the worker."""
    uploads = [upload for key in files for upload in files.getlist(key)]
    if len(uploads) > MAX_PHOTOS:
        read.errors.append(gettext("Send at most %(max)d photos.") % {"max": MAX_PHOTOS})
        return []
    checked = []
    for upload in uploads:
        try:
            checked.append(images.check_upload(upload))
        except images.ImageRejected as rejected:
            read.errors.append(
                gettext("Photo %(name)s: %(reason)s")
                % {"name": (upload.name or "")[:100], "reason": rejected}
            )
    return checked


def submitted_attributes(data: QueryDict) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for key in data:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            values = [v.strip() for v in data.getlist(key)]
            answers.setdefault(match.group(1), []).extend(v for v in values if v)
    return answers


def read_attributes(read: Reader, category: Category) -> dict[str, Any]:
    answers = submitted_attributes(read.data)
    questions = list(Question.objects.filter(category=category).order_by("order", "id"))
    known = {question.code for question in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        logger.info("Ignoring unknown attributes for service %s: %s", category.pk, unknown)
    result: dict[str, Any] = {}
    for question in questions:
        given = answers.get(question.code, [])
        try:
            answer = check_answer(question, given)
        except ValueError as error:
            read.errors.append(str(error))
            continue
        if answer is not None:
            result[question.code] = answer
    return result


def check_answer(question: Question, given: list[str]) -> Any:
    name = f"attribute[{question.code}]"
    if not given:
        if question.required:
            raise ValueError(gettext("%(name)s is required.") % {"name": name})
        return None
    if question.datatype == Datatype.MULTIVALUELIST:
        return list_answer(question, name, given)
    if len(given) > 1:
        raise ValueError(gettext("%(name)s takes a single value.") % {"name": name})
    answer = given[0]
    if question.datatype == Datatype.SINGLEVALUELIST:
        return list_answer(question, name, given)[0]
    if question.datatype == Datatype.NUMBER:
        try:
            number = float(answer)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(gettext("%(name)s must be a number.") % {"name": name})
        return answer
    if question.datatype == Datatype.DATETIME:
        return local_iso(parse_datetime(name, answer))
    limit = DESCRIPTION_MAX if question.datatype == Datatype.TEXT else SHORT_ANSWER_MAX
    multiline = question.datatype == Datatype.TEXT
    if len(answer) > limit or has_control_characters(
        answer, allowed=MULTILINE if multiline else ""
    ):
        raise ValueError(
            gettext("%(name)s must be plain text of at most %(max)d characters.")
            % {"name": name, "max": limit}
        )
    return answer


def list_answer(question: Question, name: str, given: list[str]) -> list[str]:
    keys = question.value_keys()
    wrong = [answer for answer in given if answer not in keys]
    if wrong:
        raise ValueError(
            gettext("%(name)s must be one of %(keys)s.") % {"name": name, "keys": ", ".join(keys)}
        )
    return given
