"""Abuse limits on public endpoints: request counters in Redis, per tenant, scope and client address or email.

A rate is "<count>/<period>", the period like 30s, m, 10m, h, 2h or d ("20/10m": twenty per ten minutes).
Counting is a fixed window: the window a request falls in is the clock's time divided by the period, and
one atomic Lua script increments every counter a request touches and sets their expiry in a single round
trip. At a window's edge a client may get up to twice the count within one period; the limits are against
scripts, not a precise quota. A refused request is still counted (a script hammering away stays refused).

The limits come from settings.ALLOT_PUBLIC_RATE_LIMITS (name -> rate; empty when ALLOT_RATE_LIMITS_ENABLED
is off), each count multiplied by settings.ALLOT_RATE_LIMIT_MULTIPLIER. The client's address is allauth's
(ALLOT_TRUSTED_PROXY_COUNT / ALLOT_CLIENT_IP_HEADER), the same one the sign-in limits count.

Plumbing only: what is limited where, and what an unconfirmed email address is, live with the endpoints.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from allot.redis import get_redis, key

# The limits by name, with their defaults (settings.py reads each from its ALLOT_RATE_LIMIT_* variable).
DEFAULT_RATES = {
    # every booking, waitlist-join and programme sign-up request (API and booking site), valid or not
    "bookings_per_ip": "20/10m",
    "bookings_per_email": "10/h",
    # bookings, waitlist entries and sign-ups made by an address that has never confirmed anything
    "unconfirmed_email": "3/h",
    # the actions behind the links in emails (cancel, reschedule, accept, decline, leave, withdraw)
    "manage_per_ip": "30/10m",
}

_RATE = re.compile(r"(?P<count>\d+)/(?P<amount>\d+)?(?P<unit>[smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Replaced by tests to move time (Redis's own clock only expires the keys).
_clock = time.time

# INCR the first ARGV[1] keys (a new key expires after its window, ARGV[1 + index]); only read the others.
# Returns the counts, in the order of the keys.
_HIT_SCRIPT = """
local counted = tonumber(ARGV[1])
local counts = {}
for index, name in ipairs(KEYS) do
  if index <= counted then
    local count = redis.call('INCR', name)
    if count == 1 then redis.call('EXPIRE', name, ARGV[1 + index]) end
    counts[index] = count
  else
    counts[index] = tonumber(redis.call('GET', name) or '0')
  end
end
return counts
"""


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


def parse_rate(text: str) -> Rate:
    """ "20/10m" -> Rate(20, 600); ValueError for anything else."""
    match = _RATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a rate like 20/10m or 3/h")
    seconds = int(match["amount"] or 1) * _UNIT_SECONDS[match["unit"]]
    count = int(match["count"])
    if seconds <= 0 or count <= 0:
        raise ValueError(f"{text!r}: the count and the period must be positive")
    return Rate(count=count, seconds=seconds)


def checked_rates(configured: dict[str, tuple[str, str]]) -> dict[str, str]:
    """name -> (environment variable, its value or empty) to name -> rate, defaults filled in, each checked:
    ImproperlyConfigured names the variable at fault."""
    rates = {}
    for name, (variable, text) in configured.items():
        text = (text or "").strip() or DEFAULT_RATES[name]
        try:
            parse_rate(text)
        except ValueError as error:
            raise ImproperlyConfigured(f"{variable}: {error}.") from error
        rates[name] = text
    return rates


def checked_multiplier(variable: str, text: str) -> float:
    text = (text or "").strip() or "1"
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 1):
        raise ImproperlyConfigured(f"{variable}={text!r} must be a number of at least 1 (it multiplies every "
                                   "public rate limit's count).")
    return value


def limit(name: str) -> Rate | None:
    """The rate of a named limit with the multiplier applied, or None when it is off."""
    text = (getattr(settings, "ALLOT_PUBLIC_RATE_LIMITS", None) or {}).get(name)
    if not text:
        return None
    rate = parse_rate(text)
    multiplier = getattr(settings, "ALLOT_RATE_LIMIT_MULTIPLIER", 1) or 1
    return Rate(count=max(1, int(rate.count * multiplier)), seconds=rate.seconds)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the fullest counter's window ends (0 when allowed)


ALLOWED = Decision(allowed=True)


class RateLimited(Exception):
    """A request over a limit: answered with 429 and Retry-After (the API's exception handler, the pages)."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counter:
    """One counter: a limit's name and what it counts for (an address, an email address)."""

    limit_name: str
    identity: str


def identity_of_email(email: object) -> str | None:
    """An email address as counted: trimmed and lower-cased (Ada@X and ada@x share a counter); None if empty."""
    if not isinstance(email, str):
        return None
    normalised = email.strip().lower()
    return normalised or None


def client_ip(request) -> str:
    """The client's address as the sign-in limits see it (allauth's, honouring the trusted proxies)."""
    from allauth.account.adapter import get_adapter

    return get_adapter(request).get_client_ip(request)


def _window(rate: Rate, now: float) -> tuple[int, int]:
    """The window the moment falls in, and the seconds until it ends (at least 1)."""
    index = int(now // rate.seconds)
    return index, max(1, math.ceil((index + 1) * rate.seconds - now))


def _key(schema: str, counter: Counter, rate: Rate, index: int) -> str:
    # The identity is hashed: no email addresses in Redis key names.
    digest = hashlib.sha256(counter.identity.encode()).hexdigest()[:32]
    return key("ratelimit", schema, counter.limit_name, f"{rate.seconds}s", digest, str(index))


def _current_schema() -> str:
    return getattr(connection, "schema_name", settings.PUBLIC_SCHEMA_NAME)


def hit(counters: list[Counter], *, schema: str | None = None) -> Decision:
    """Count one request on every counter whose limit is on; refused if any is now over its count."""
    return hit_and_peek(counters, [], schema=schema)[0]


def hit_and_peek(counters: list[Counter], peeked: list[Counter], *,
                 schema: str | None = None) -> tuple[Decision, list[Decision]]:
    """hit() the counters and, in the same round trip, peek() at others (read, not counted)."""
    schema = schema or _current_schema()
    now = _clock()
    keys, expiries, checks = [], [], []
    for counter in [*counters, *peeked]:
        rate = limit(counter.limit_name)
        if rate is None:
            checks.append(None)
            continue
        index, remaining = _window(rate, now)
        keys.append(_key(schema, counter, rate, index))
        expiries.append(rate.seconds + 1)
        checks.append((rate, remaining))
    counted = sum(check is not None for check in checks[:len(counters)])
    counts = iter(get_redis().eval(_HIT_SCRIPT, len(keys), *keys, counted, *expiries[:counted]) if keys else [])
    decisions = []
    for position, check in enumerate(checks):
        if check is None:
            decisions.append(ALLOWED)
            continue
        rate, remaining = check
        count = int(next(counts))
        # a counted request is over when the count passes the limit; a peeked one, when one more would
        over = count > rate.count if position < len(counters) else count >= rate.count
        decisions.append(Decision(allowed=False, retry_after=remaining) if over else ALLOWED)
    refused = [decision.retry_after for decision in decisions[:len(counters)] if not decision.allowed]
    return (Decision(allowed=False, retry_after=max(refused)) if refused else ALLOWED), decisions[len(counters):]


def peek(counter: Counter, *, schema: str | None = None) -> Decision:
    """Whether one more would still be allowed on this counter, without counting it."""
    return hit_and_peek([], [counter], schema=schema)[1][0]


def enforce(counters: list[Counter], *, schema: str | None = None) -> None:
    """hit(), raising RateLimited when refused."""
    decision = hit(counters, schema=schema)
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


def forget_all() -> int:
    """Drop every counter of this deployment's namespace (tests; an operator lifting a block by hand)."""
    client = get_redis()
    names = list(client.scan_iter(match=key("ratelimit", "*"), count=1000))
    if names:
        client.delete(*names)
    return len(names)
