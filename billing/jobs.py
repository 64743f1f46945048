"""Billing's per-tenant job (every minute, registered as "billing.payment_holds_expire" in BillingConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from billing.services import payments


def payment_holds_expire(now: dt.datetime | None = None) -> int:
    """Release this tenant's bookings whose payment hold ran out (their waitlists are offered the places) and close
    their Checkout Sessions."""
    return payments.payment_holds_expire(tenant=connection.tenant, now=now)
