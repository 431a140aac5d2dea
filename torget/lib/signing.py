"""Signed, expiring tokens for links in e-mails (confirming a report, and alerts)."""

import functools
import hmac
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes


class BadToken(Exception):
    """The token was tampered with, or belongs to another purpose."""


class ExpiredToken(BadToken):
    """The token is genuine but older than allowed."""


class ReusedKeySigner(signing.TimestampSigner):
    """Django's TimestampSigner, making the same tokens, with its HMAC key derived once.

    Django derives the key from the salt and SECRET_KEY for every signature, two extra hashes
    a token; an alert run makes about 100,000 unsubscribe tokens (bench/alerts.py), which took
    14 µs each that way and 4 µs this way."""

    def __init__(self, *, salt: str) -> None:
        super().__init__(salt=salt, algorithm="sha256")
        self.keyed = salted_hmac(salt + "signer", b"", self.key, algorithm=self.algorithm)

    def signature(self, value: Any, key: Any = None) -> str:
        if key is not None and key != self.key:
            # A fallback key, when a token is read.
            return super().signature(value, key)
        mac: hmac.HMAC = self.keyed.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


@functools.lru_cache(maxsize=32)
def signer(purpose: str, secret_key: str, fallbacks: tuple[str, ...]) -> ReusedKeySigner:
    # The keys are arguments so that a changed SECRET_KEY (in tests) gets a new signer.
    return ReusedKeySigner(salt=f"torget.{purpose}")


def signer_for(purpose: str) -> ReusedKeySigner:
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return signer(purpose, settings.SECRET_KEY, fallbacks)


def make_token(purpose: str, value: str) -> str:
    return signer_for(purpose).sign(value)


def read_token(purpose: str, token: str, *, max_age_seconds: int) -> str:
    try:
        return signer_for(purpose).unsign(token, max_age=max_age_seconds)
    except signing.SignatureExpired as error:
        raise ExpiredToken(str(error)) from error
    except signing.BadSignature as error:
        raise BadToken(str(error)) from error
