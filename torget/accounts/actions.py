"""Writes and side effects for accounts: the account for an address, login links, and the
language a person reads."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from torget.accounts import emails
from torget.accounts.models import User
from torget.accounts.tokens import login_link_tokens
from torget.mail.actions import record


def user_for_email(email: str) -> User:
    """The account for this address, made if new (no password, address not verified). An
    existing account is returned as it is: whoever typed the address has not proven it is
    theirs, so nothing they gave with it (a name, a phone number) may change the account."""
    user, created = User.objects.get_or_create(
        email__iexact=email, defaults={"email": email.lower()}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def address_proven(user: User, *, name: str = "", phone: str = "") -> None:
    """A link sent to the address was followed (a report's or an alert's confirmation): the
    address counts as verified, and the name and phone given with what was confirmed fill
    the account's empty fields. What the account already has stands."""
    given = {"name": name, "phone": phone}
    changed = [field for field, value in given.items() if value and not getattr(user, field)]
    for field in changed:
        setattr(user, field, given[field])
    if not user.email_verified:
        user.email_verified = True
        changed.append("email_verified")
    if changed:
        user.save(update_fields=changed)


@transaction.atomic
def request_login_link(*, email: str, next_url: str, language: str) -> None:
    """Send a one-time login link to the account with this address, if there is one.

    The e-mail leaves from the worker, not inside the request: sending here would make the
    form answer slower for addresses that have an account than for those that don't, which
    tells a stranger who uses Torget."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    url = login_link_url(user, next_url)
    record(emails.login_link(user, url, fallback_language=language))


def login_link_url(user: User, next_url: str) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:login_with_link", args=[uidb64, login_link_tokens.make_token(user)])
    if next_url != "/":
        path += "?" + urlencode({"next": next_url})
    return settings.BASE_URL + path


def use_login_link(user: User) -> bool:
    """Mark the address as verified and move `last_login` on, which voids the link.

    The UPDATE only matches while `last_login` is what the token was checked against, so of
    two requests racing with the same link only one logs in.
    """
    now = timezone.now()
    used = User.objects.filter(pk=user.pk, last_login=user.last_login).update(
        last_login=now, email_verified=True
    )
    user.last_login, user.email_verified = now, True
    return used == 1


def remember_language(user: User, language: str | None, *, replace: bool = False) -> None:
    """Keep the language the person uses the site in, for the e-mails sent to them later by
    the worker, which has no request to take it from (alert digests, questionnaires). A
    language they chose stands, unless `replace`: they chose again."""
    known = {code for code, _ in settings.LANGUAGES}
    if language not in known or user.language == language:
        return
    if user.language and not replace:
        return
    user.language = language
    user.save(update_fields=["language"])
