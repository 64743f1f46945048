"""Amounts as Stripe takes them (https://docs.stripe.com/currencies)."""

import pytest

from billing.money import AmountError, amount_from_stripe, stripe_amount


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    (2500, "EUR", 2500),  # two-decimal: cents
    (500, "JPY", 500),  # zero-decimal: yen
    (500000, "HUF", 500000),  # HUF 5,000.00: two-decimal, whole forints
    (5, "ISK", 500),  # ISO has no minor unit for ISK; Stripe counts hundredths
    (5120, "KWD", 5120),  # three-decimal, last digit 0
])
def test_amounts_in_minor_units_become_stripes_amounts(amount, currency, expected):
    assert stripe_amount(amount, currency) == expected
    assert amount_from_stripe(expected, currency) == amount


@pytest.mark.parametrize(("amount", "currency"), [(500050, "HUF"), (5124, "KWD"), (0, "EUR"), (1050, "TWD")])
def test_amounts_stripe_cannot_take_are_refused(amount, currency):
    with pytest.raises(AmountError):
        stripe_amount(amount, currency)
