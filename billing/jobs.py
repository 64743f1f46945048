"""Billing's per-tenant job (every minute, registered as "billing.payment_holds_expire" in BillingConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Min

from billing.services import payments, place_offer_payments
from booking_core.models import Booking
from booking_core.programmes.services.offer_payments import place_offer_payment_next_due


def payment_holds_expire(now: dt.datetime | None = None) -> int:
    """Release this tenant's bookings and programme place offers whose payment hold ran out (their waitlists are
    offered the places) and close their Checkout Sessions."""
    return (payments.payment_holds_expire(tenant=connection.tenant, now=now)
            + place_offer_payments.place_offer_payment_holds_close(tenant=connection.tenant, now=now))


def payment_holds_next_due(now: dt.datetime) -> dt.datetime | None:
    """When this tenant's next payment hold (a booking's or a place offer's) runs out (the due-work index wakes
    the job then)."""
    times = [Booking.objects.filter(status=Booking.Status.PENDING_PAYMENT).aggregate(due=Min("payment_due_at"))["due"],
             place_offer_payment_next_due()]
    times = [moment for moment in times if moment is not None]
    return min(times) if times else None
