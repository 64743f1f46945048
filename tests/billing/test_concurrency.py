"""Paid bookings under real concurrency: separate PostgreSQL connections, real Checkout Sessions (stand-in)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import BookingPayment
from billing.services.payments import booking_payment_start
from booking_core.acting import Actor
from booking_core.models import Booking, Session
from booking_core.services.bookings import booking_create_group
from tests.booking_core.test_concurrency import race
from tests.factories import client_details, make_service, make_session

pytestmark = pytest.mark.slow


def test_fifty_simultaneous_paid_bookings_for_ten_seats_never_hold_more_than_ten(committed_db, tenant_alpha,
                                                                                  in_tenant, connected):
    # given: a paid session with 10 seats
    with in_tenant(tenant_alpha):
        session = make_session(make_service(price_amount=1500), capacity=10)

    # when: 50 clients book and are sent to Checkout at the same moment
    def attempt(index):
        email = f"payer{index}@example.com"
        booking = booking_create_group(tenant=tenant_alpha, session=Session.objects.get(pk=session.pk), seats=1,
                                       client=client_details(email=email), actor=Actor.client(email),
                                       payment_due_at=timezone.now() + dt.timedelta(minutes=15))
        payment = booking_payment_start(tenant=tenant_alpha, booking=booking, success_url="http://x/",
                                        cancel_url="http://x/")
        return "held" if payment.checkout_url else "no checkout"

    outcome = race(tenant_alpha, 50, attempt)
    # then: exactly 10 held, each with its Checkout Session; the other 40 refused; the counter agrees
    assert outcome == {"held": 10, "CapacityError": 40}
    with in_tenant(tenant_alpha):
        held = Booking.objects.filter(session_id=session.pk, status__in=Booking.LIVE_STATUSES)
        assert held.count() == 10
        assert set(held.values_list("status", flat=True)) == {"pending_payment"}
        assert Session.objects.get(pk=session.pk).seats_booked == 10
        booking_ids = set(held.values_list("pk", flat=True))
    payments = BookingPayment.objects.filter(tenant=tenant_alpha)
    assert set(payments.values_list("booking_id", flat=True)) == booking_ids
    assert payments.exclude(checkout_session_id=None).count() == 10
