"""Amounts as Stripe wants them: our integer minor units (ISO 4217) become the `amount` of Stripe's API.

Stripe's rules (https://docs.stripe.com/currencies): most currencies are two-decimal and Stripe's amount is
the ISO minor unit (1000 = EUR 10.00). Zero-decimal currencies (JPY, KRW, ...) take whole units. Special
cases: ISK has no minor unit in ISO 4217 but is two-decimal in Stripe's API with amounts divisible by 100;
HUF and TWD are two-decimal in both, but Stripe pays them out in whole units only, so a charge in fillér
that is not a whole forint cannot be paid out cleanly: we require whole units for them too. Three-decimal
currencies (BHD, JOD, KWD, OMR, TND) need their last digit 0.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from allot.errors import ApplicationError

ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Two-decimal in Stripe's API, but only whole units may be charged (ISK) or paid out (HUF, TWD).
WHOLE_UNITS_ONLY = frozenset({"HUF", "ISK", "TWD"})
# ISO 4217 gives ISK no minor unit; Stripe counts it in hundredths.
ISO_WITHOUT_MINOR_UNIT_BUT_STRIPE_TWO_DECIMAL = frozenset({"ISK"})


class AmountError(ApplicationError):
    code = "amount_not_chargeable"


def stripe_amount(amount: int, currency: str) -> int:
    """Our amount (ISO minor units of `currency`) as Stripe's `amount`; refuses amounts Stripe cannot take."""
    currency = currency.upper()
    if amount <= 0:
        raise AmountError(_("A payment needs a positive amount."))
    if currency in ISO_WITHOUT_MINOR_UNIT_BUT_STRIPE_TWO_DECIMAL:
        return amount * 100
    if currency in WHOLE_UNITS_ONLY and amount % 100:
        raise AmountError(_("Prices in %(currency)s must be whole units.") % {"currency": currency})
    if currency in THREE_DECIMAL and amount % 10:
        raise AmountError(_("Prices in %(currency)s must end in 0 (Stripe rounds to tens).") % {"currency": currency})
    return amount


def amount_from_stripe(amount: int, currency: str) -> int:
    """Stripe's `amount` back into our ISO minor units."""
    if currency.upper() in ISO_WITHOUT_MINOR_UNIT_BUT_STRIPE_TWO_DECIMAL:
        return amount // 100
    return amount
