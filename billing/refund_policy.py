"""What a cancellation gives back: the rule of a service's cancellation policy, as a pure function.

Until `full_refund_hours` before the start the whole payment; until `partial_refund_hours` before it
`partial_percent` of it; after that nothing. Amounts are integer minor units. A partial amount is rounded DOWN
to the minor unit, and further down to what Stripe can refund in that currency (whole units of HUF, ISK, TWD;
tens of the three-decimal currencies), so a refund never exceeds the policy and is always chargeable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from billing import money

# The policy of a service nobody has set one for: every cancellation is refunded in full.
FULL_REFUND_ALWAYS = None


@dataclass(frozen=True)
class Policy:
    full_refund_hours: int = 0
    partial_refund_hours: int = 0
    partial_percent: int = 0


def _step(currency: str) -> int:
    currency = currency.upper()
    if currency in money.WHOLE_UNITS_ONLY:
        return 100
    if currency in money.THREE_DECIMAL:
        return 10
    return 1


def refund_amount(policy: Policy | None, paid_amount: int, starts_at: dt.datetime, cancelled_at: dt.datetime,
                  currency: str = "EUR") -> int:
    """How much of `paid_amount` (minor units) a cancellation at `cancelled_at` refunds; `None` is the default
    policy (full refund). Exactly `full_refund_hours` before the start still counts as in time."""
    if policy is None:
        return paid_amount
    before_start = starts_at - cancelled_at
    if before_start >= dt.timedelta(hours=policy.full_refund_hours):
        return paid_amount
    if before_start >= dt.timedelta(hours=policy.partial_refund_hours) and policy.partial_percent:
        step = _step(currency)
        amount = paid_amount * policy.partial_percent // 100
        return amount - amount % step
    return 0
