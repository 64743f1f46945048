"""allot.rate_limits: counters in Redis per tenant, limit and identity, their windows, the settings that shape
them. The endpoints' limits are tested with the endpoints (tests/booking_core, tests/public_site)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from allot.rate_limits import (
    DEFAULT_RATES,
    Counter,
    Rate,
    RateLimited,
    enforce,
    hit,
    hit_and_peek,
    identity_of_email,
    parse_rate,
    peek,
)
from tests.conftest import CHECKOUT_DIR, child_environment


@pytest.mark.parametrize(("text", "rate"), [
    ("20/10m", Rate(20, 600)), ("3/h", Rate(3, 3600)), ("5/30s", Rate(5, 30)), ("100/d", Rate(100, 86400)),
    (" 7/2h ", Rate(7, 7200)),
])
def test_rates_are_a_count_per_period(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "20", "20/", "20/10", "20/10x", "0/m", "20/0m", "twenty/m", "-1/m", "2/m/ip"])
def test_anything_else_is_not_a_rate(text):
    with pytest.raises(ValueError, match="is not a rate|must be positive"):
        parse_rate(text)


def test_the_request_after_the_count_is_refused_until_the_window_ends(public_rate_limits):
    # given: 20 requests per 10 minutes from one address (the default)
    counter = Counter("bookings_per_ip", "203.0.113.7")
    for number in range(20):
        assert hit([counter], schema="alpha").allowed, number
        public_rate_limits.advance(10)
    # when: the 21st, 200 s into the window
    refused = hit([counter], schema="alpha")
    # then: refused until the window's end, 400 s later
    assert (refused.allowed, refused.retry_after) == (False, 400)
    public_rate_limits.advance(399)
    assert hit([counter], schema="alpha").retry_after == 1
    # when the window is over: allowed again
    public_rate_limits.advance(1)
    assert hit([counter], schema="alpha").allowed


def test_counters_are_per_tenant_limit_and_identity(public_rate_limits):
    public_rate_limits.set(bookings_per_ip="1/m", bookings_per_email="1/m")
    assert hit([Counter("bookings_per_ip", "203.0.113.7")], schema="alpha").allowed
    assert not hit([Counter("bookings_per_ip", "203.0.113.7")], schema="alpha").allowed
    # another tenant, another address, another limit with the same identity: each its own counter
    assert hit([Counter("bookings_per_ip", "203.0.113.7")], schema="beta").allowed
    assert hit([Counter("bookings_per_ip", "203.0.113.8")], schema="alpha").allowed
    assert hit([Counter("bookings_per_email", "203.0.113.7")], schema="alpha").allowed


def test_every_counter_of_a_request_counts_and_the_longest_wait_is_given(public_rate_limits):
    # given: an address with one request left in its 10 minutes, an email address with none left in its hour
    public_rate_limits.set(bookings_per_ip="2/10m", bookings_per_email="1/h")
    address, email = Counter("bookings_per_ip", "203.0.113.7"), Counter("bookings_per_email", "ada@example.com")
    assert hit([address, email], schema="alpha").allowed
    # when
    refused = hit([address, email], schema="alpha")
    # then: the hour's end is when both allow it again; the address's counter counted the refused request too
    assert (refused.allowed, refused.retry_after) == (False, 3600)
    assert not hit([address], schema="alpha").allowed


def test_peek_does_not_count(public_rate_limits):
    public_rate_limits.set(unconfirmed_email="1/h")
    counter = Counter("unconfirmed_email", "ada@example.com")
    assert peek(counter, schema="alpha").allowed and peek(counter, schema="alpha").allowed
    hit([counter], schema="alpha")
    assert peek(counter, schema="alpha").retry_after == 3600


def test_one_round_trip_counts_some_counters_and_reads_others(public_rate_limits):
    public_rate_limits.set(bookings_per_ip="5/m", unconfirmed_email="2/h")
    address, created = Counter("bookings_per_ip", "203.0.113.7"), Counter("unconfirmed_email", "ada@example.com")
    hit([created], schema="alpha")
    assert hit_and_peek([address], [created], schema="alpha") == (hit([], schema="alpha"), [peek(created,
                                                                                                  schema="alpha")])
    assert peek(created, schema="alpha").allowed  # read twice, still one created
    hit([created], schema="alpha")
    decision, [read] = hit_and_peek([address], [created], schema="alpha")
    assert decision.allowed and (read.allowed, read.retry_after) == (False, 3600)


def test_enforce_raises_with_the_wait(public_rate_limits):
    public_rate_limits.set(manage_per_ip="1/m")
    enforce([Counter("manage_per_ip", "203.0.113.7")], schema="alpha")
    public_rate_limits.advance(15)
    with pytest.raises(RateLimited) as refused:
        enforce([Counter("manage_per_ip", "203.0.113.7")], schema="alpha")
    assert refused.value.retry_after == 45


def test_the_multiplier_raises_every_count(public_rate_limits, settings):
    public_rate_limits.set(manage_per_ip="2/m")
    settings.ALLOT_RATE_LIMIT_MULTIPLIER = 2.5
    counter = Counter("manage_per_ip", "203.0.113.7")
    assert all(hit([counter], schema="alpha").allowed for _ in range(5))
    assert not hit([counter], schema="alpha").allowed


def test_no_limits_no_counting(public_rate_limits, settings):
    settings.ALLOT_PUBLIC_RATE_LIMITS = {}
    counter = Counter("bookings_per_ip", "203.0.113.7")
    assert all(hit([counter], schema="alpha").allowed for _ in range(100))


def test_email_addresses_count_trimmed_and_in_lower_case():
    assert identity_of_email("  Ada@Example.COM ") == "ada@example.com"
    assert identity_of_email("") is None and identity_of_email(None) is None and identity_of_email(["a"]) is None


# --- settings ----------------------------------------------------------------------------------------------

SHOW = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'limits': s.ALLOT_PUBLIC_RATE_LIMITS, 'multiplier': s.ALLOT_RATE_LIMIT_MULTIPLIER}))")


def settings_with(**environment) -> subprocess.CompletedProcess:
    # The production settings module (tests.settings switches the public limits off).
    return subprocess.run([sys.executable, "-c", SHOW],
                          env=child_environment(DJANGO_SETTINGS_MODULE="allot.settings", **environment),
                          cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=120)


def test_the_limits_have_defaults_and_come_from_the_environment():
    defaults = json.loads(settings_with().stdout)
    assert defaults == {"limits": DEFAULT_RATES, "multiplier": 1.0}
    assert DEFAULT_RATES == {"bookings_per_ip": "20/10m", "bookings_per_email": "10/h", "unconfirmed_email": "3/h",
                             "manage_per_ip": "30/10m"}
    shown = json.loads(settings_with(ALLOT_RATE_LIMIT_BOOKINGS_PER_IP="50/h", ALLOT_RATE_LIMIT_MULTIPLIER="100").stdout)
    assert shown["limits"]["bookings_per_ip"] == "50/h" and shown["multiplier"] == 100.0


def test_the_switch_for_load_tests_turns_them_off():
    assert json.loads(settings_with(ALLOT_RATE_LIMITS_ENABLED="0").stdout)["limits"] == {}


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL", "three an hour", "ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL: 'three an hour' is "
                                                            "not a rate like 20/10m or 3/h"),
    ("ALLOT_RATE_LIMIT_MULTIPLIER", "0.5", "ALLOT_RATE_LIMIT_MULTIPLIER='0.5' must be a number of at least 1"),
])
def test_a_bad_value_is_refused_at_start_with_its_name(variable, value, message):
    result = settings_with(**{variable: value})
    assert result.returncode != 0
    assert message in result.stderr
