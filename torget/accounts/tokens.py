"""One-time login links.

A link carries a token signed over the user's pk, last login and e-mail address. Logging in
changes `last_login`, so a link stops working once it has been used; changing the address
also voids it. The token's timestamp limits its age to settings.LOGIN_LINK_MAX_AGE.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

if TYPE_CHECKING:
    from torget.accounts.models import User


class LoginLinkTokenGenerator(PasswordResetTokenGenerator):
    # Its own salt, so a password-reset token can never pass as a login token or vice versa.
    key_salt = "torget.accounts.tokens.LoginLinkTokenGenerator"

    def _make_hash_value(self, user: "User", timestamp: int) -> str:
        # Without microseconds and time zone: some databases store neither, and the value
        # must be the same when the token is made and when it is checked.
        last_login = (
            "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{last_login}{timestamp}{user.email}"

    def check_token(self, user: "User | None", token: str | None) -> bool:
        """Like the parent's check, but with LOGIN_LINK_MAX_AGE instead of
        PASSWORD_RESET_TIMEOUT as the limit on the token's age."""
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - timestamp
        if age > settings.LOGIN_LINK_MAX_AGE:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


login_link_tokens = LoginLinkTokenGenerator()
