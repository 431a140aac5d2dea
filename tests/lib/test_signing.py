"""The reused-key signer makes exactly Django's tokens, so links already sent keep working."""

import time

import pytest
from django.core import signing
from django.test import override_settings

from torget.lib.signing import BadToken, ExpiredToken, make_token, read_token

PURPOSE = "alerts.unsubscribe"


def djangos_token(value: str) -> str:
    return signing.TimestampSigner(salt=f"torget.{PURPOSE}").sign(value)


@pytest.mark.parametrize("value", ["101:101,1101,2101", "7:all", "æøå:1"])
def test_tokens_are_djangos(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_790_000_000.0)
    assert make_token(PURPOSE, value) == djangos_token(value)


def test_a_djangos_token_is_read() -> None:
    assert read_token(PURPOSE, djangos_token("3:all"), max_age_seconds=60) == "3:all"


def test_another_purpose_or_a_changed_value_is_refused() -> None:
    token = make_token(PURPOSE, "3:all")
    with pytest.raises(BadToken):
        read_token("reports.confirm", token, max_age_seconds=60)
    with pytest.raises(BadToken):
        read_token(PURPOSE, token.replace("3:all", "4:all"), max_age_seconds=60)


def test_an_old_token_has_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_token(PURPOSE, "3:all")
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(ExpiredToken):
        read_token(PURPOSE, token, max_age_seconds=60)


def test_a_new_secret_key_makes_new_tokens_and_reads_old_ones_by_fallback() -> None:
    with override_settings(SECRET_KEY="first-secret-key-for-the-test-0123456789"):
        token = make_token(PURPOSE, "3:all")
    with override_settings(SECRET_KEY="second-secret-key-for-the-test-987654321"):
        assert make_token(PURPOSE, "3:all") != token
        with pytest.raises(BadToken):
            read_token(PURPOSE, token, max_age_seconds=60)
    with override_settings(
        SECRET_KEY="second-secret-key-for-the-test-987654321",
        SECRET_KEY_FALLBACKS=["first-secret-key-for-the-test-0123456789"],
    ):
        assert read_token(PURPOSE, token, max_age_seconds=60) == "3:all"
