"""Signing in through allauth's pages in tests: the password step, the second factor, a clock for codes
and rate limits."""

from __future__ import annotations

import time
from types import SimpleNamespace

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings

from allot.redis import get_redis
from tests.conftest import PASSWORD

LOGIN_URL = "/accounts/login/"
SECOND_FACTOR_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATION_URL = "/accounts/2fa/totp/activate/"
# A TOTP secret known to the tests (base32).
KNOWN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_PERIOD = 30


class FrozenClock:
    """The clock of allauth's rate limits and TOTP codes, moved by hand (its own `time` module)."""

    def __init__(self, monkeypatch, start: float = 1_800_000_000.0):
        from allauth.core.internal import ratelimit
        from allauth.mfa.totp.internal import auth

        self.now = start
        fake_time = SimpleNamespace(time=lambda: self.now, monotonic=time.monotonic, sleep=time.sleep)
        monkeypatch.setattr(ratelimit, "time", fake_time)
        monkeypatch.setattr(auth, "time", fake_time)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def totp_code(self, secret: str = KNOWN_SECRET, *, periods_later: int = 0) -> str:
        """The authenticator app's code now (or a code of another time step: a wrong one)."""
        counter = int(self.now) // TOTP_PERIOD + periods_later
        return format_hotp_value(hotp_value(secret, counter))


def give_totp(user, secret: str = KNOWN_SECRET):
    return TOTP.activate(user, secret)


def forget_sign_in_limits() -> None:
    """Drop allauth's rate-limit counters and used codes of this test run (they live in Redis, outside the
    test's transaction)."""
    client = get_redis()
    for name in client.scan_iter(match=f"*:{settings.REDIS_NAMESPACE}:*:allauth*", count=1000):
        client.delete(name)


def password_step(client, email: str, *, password: str = PASSWORD, next_url: str = "/admin/", **extra):
    return client.post(f"{LOGIN_URL}?next={next_url}", {"login": email, "password": password}, **extra)


def second_factor_step(client, code: str, **extra):
    return client.post(SECOND_FACTOR_URL, {"code": code}, **extra)
