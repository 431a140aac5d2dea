"""Filing a service request: the same flow as a report made on the web, plus a record of how
it arrived."""

from django.db import transaction

from torget.accounts.actions import user_for_email
from torget.accounts.handlers import Scope
from torget.accounts.models import User
from torget.open311 import personal_data
from torget.open311.forms import NewRequest
from torget.open311.models import ApiKey, Submission
from torget.reports import actions


@transaction.atomic
def file_request(*, new: NewRequest, key: ApiKey, language: str) -> Submission:
    """A trusted client vouches for its reporters, so their reports are public at once and
    delivered; anyone else's reporter gets the confirmation e-mail, as on the web. Either
    way the name and phone stay with the report: the client vouches for the report, not for
    whose address it is, so the account is left as it is."""
    user = user_for_email(new.email) if key.trusted else None
    reporter = actions.Reporter(user=user, email=new.email, name=new.name, phone=new.phone)
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


@transaction.atomic
def forget_person(user: User, scope: Scope) -> int:
    """The device id an app sent with the person's reports goes; runs before reports lets
    go of the person, while the reports still lead to them."""
    found = Submission.objects.filter(pk__in=personal_data.submissions_of(user, scope).values("pk"))
    return found.exclude(device_id="").update(device_id="")
