"""Filing a service request: the same flow as a report made on the web, plus a record of how
it arrived."""

from django.db import transaction

from torget.open311.forms import NewRequest
from torget.open311.models import ApiKey, Submission
from torget.reports import actions


@transaction.atomic
def file_request(*, new: NewRequest, key: ApiKey, language: str) -> Submission:
    """A trusted client vouches for its reporters, so their reports are public at once and
    delivered; anyone else's reporter gets the confirmation e-mail, as on the web."""
    given = actions.Reporter(user=None, email=new.email, name=new.name, phone=new.phone)
    reporter = given
    if key.trusted:
        reporter = actions.Reporter(
            user=actions.user_for_email(given), email=new.email, name=new.name, phone=new.phone
        )
    report = actions.submit_report(
        reporter=reporter,
        category=new.category,
        lat=new.lat,
        lon=new.lon,
        title=new.title,
        detail=new.detail,
        show_name=False,
        photos=new.photos,
        address=new.address,
        language=language,
        answers=new.attributes,
    )
    return Submission.objects.create(
        report=report,
        api_key=key,
        media_urls=new.media_urls,
        device_id=new.device_id,
    )
