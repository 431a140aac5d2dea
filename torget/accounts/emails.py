"""The e-mails accounts sends: the login link, and the link to a person's data."""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, override

from torget.accounts.models import User
from torget.lib.emails import compose, language


def login_link(user: User, url: str, *, fallback_language: str = "") -> EmailMultiAlternatives:
    with override(language(user.language, fallback_language)):
        context = {"user": user, "url": url, "minutes": settings.LOGIN_LINK_MAX_AGE // 60}
        return compose("login_link", gettext("Your login link for Torget"), user.email, context)


def data_export_ready(
    user: User, url: str, *, expires: datetime.datetime
) -> EmailMultiAlternatives:
    with override(language(user.language)):
        context = {"user": user, "url": url, "expires": expires}
        return compose(
            "data_export", gettext("Your data from Torget is ready"), user.email, context
        )
