"""Signed, expiring tokens for links in e-mails (confirming a report, and later alerts)."""

from django.core import signing


class BadToken(Exception):
    """The token was tampered with, or belongs to another purpose."""


class ExpiredToken(BadToken):
    """The token is genuine but older than allowed."""


def make_token(purpose: str, value: str) -> str:
    return signing.TimestampSigner(salt=f"torget.{purpose}").sign(value)


def read_token(purpose: str, token: str, *, max_age_seconds: int) -> str:
    signer = signing.TimestampSigner(salt=f"torget.{purpose}")
    try:
        return signer.unsign(token, max_age=max_age_seconds)
    except signing.SignatureExpired as error:
        raise ExpiredToken(str(error)) from error
    except signing.BadSignature as error:
        raise BadToken(str(error)) from error
