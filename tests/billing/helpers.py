"""Setting the scene for payment tests: paid sessions, bookings held while their client pays, paying."""

from __future__ import annotations

import datetime as dt

from django_tenants.utils import tenant_context

from billing.services.payments import booking_payment_start
from booking_core.acting import Actor
from booking_core.models import Booking, Session
from booking_core.services.bookings import booking_create_group
from tests.factories import client_details, make_service, make_session
from tests.support.stripe_servers import stripe_event

RETURN_URL = "http://alpha.localhost/b/return/"


def paid_session(tenant, *, capacity: int, **service_fields) -> Session:
    with tenant_context(tenant):
        return make_session(make_service(price_amount=1500, **service_fields), capacity=capacity)


def held_booking(tenant, session, *, seats=1, email="payer@example.com", now=None):
    """A booking awaiting payment, with its Checkout Session opened (what the booking site does)."""
    with tenant_context(tenant):
        now = now or session.starts_at - dt.timedelta(days=2)
        booking = booking_create_group(tenant=tenant, session=Session.objects.get(pk=session.pk), seats=seats,
                                       client=client_details(email=email), actor=Actor.client(email),
                                       payment_due_at=now + dt.timedelta(minutes=15), now=now)
        payment = booking_payment_start(tenant=tenant, booking=booking, success_url=RETURN_URL,
                                        cancel_url=RETURN_URL, now=now)
    return booking, payment


def completed(stripe_api, payment, *, account, created=None):
    """The client pays and Stripe says so: checkout.session.completed, paid."""
    session = stripe_api.pay(payment.checkout_session_id)
    return stripe_event("checkout.session.completed", session, account=account, created=created)


def status_of(tenant, booking) -> str:
    with tenant_context(tenant):
        return Booking.objects.get(pk=booking.pk).status
