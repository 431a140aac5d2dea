"""Background work for accounts: e-mail goes out from the worker, not inside the request.

Sending inside the request would make the link form answer slower for addresses that have an
account than for those that don't, which tells a stranger who uses Torget.
"""

from django.tasks import task

from torget.accounts.models import User
from torget.lib import emails


@task
def send_login_link(user_id: int, url: str, language: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        emails.send_login_link(user, url, fallback_language=language)
