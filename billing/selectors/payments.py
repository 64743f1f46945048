"""Reads about payments: whether a tenant takes online payments, and the honest state of a booking's payment."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from billing import stripe_api
from billing.models import BookingPayment, ConnectedAccount


def connected_account_for(*, tenant) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(tenant=tenant).first()


def payments_ready(*, tenant) -> bool:
    """The tenant can take online payments: the platform has Stripe and the tenant's account takes charges."""
    if not stripe_api.payments_configured():
        return False
    return ConnectedAccount.objects.filter(tenant=tenant, charges_enabled=True).exists()


def service_needs_payment(*, tenant, service) -> bool:
    """Booking this service online means paying for it now."""
    return service.price_amount > 0 and payments_ready(tenant=tenant)


def service_bookable_online(*, tenant, service) -> bool:
    """False for a paid service of a tenant that cannot take payments (once the platform takes payments at all):
    it may be shown, but not booked online."""
    if service.price_amount <= 0 or not stripe_api.payments_configured():
        return True
    return payments_ready(tenant=tenant)


def payment_hold_deadline(now: dt.datetime) -> dt.datetime:
    """Until when a new booking awaiting payment holds its place (ALLOT_PAYMENT_HOLD_MINUTES)."""
    return now + dt.timedelta(minutes=settings.ALLOT_PAYMENT_HOLD_MINUTES)


def payment_hold_deadline_for(*, tenant, service, now: dt.datetime) -> dt.datetime | None:
    """The hold deadline for a place of `service` taken now (an accepted offer, a programme place) when it is to
    be paid online first; None when it is free or the tenant takes no online payments (it is booked as before)."""
    if not service_needs_payment(tenant=tenant, service=service):
        return None
    return payment_hold_deadline(now)


def booking_payment_for(*, tenant, booking_id: int) -> BookingPayment | None:
    return BookingPayment.objects.filter(tenant=tenant, booking_id=booking_id).first()


class PaymentState:
    PAID = "paid"
    PROCESSING = "processing"
    AWAITING = "awaiting"  # not paid yet; the client may still pay (or has just paid and Stripe has not said so)
    FAILED = "failed"
    REFUNDED = "refunded"
    NONE = "none"  # the booking was never to be paid online


def booking_payment_state(*, tenant, booking) -> str:
    """What the client is told on the return page: from our rows only, never from the redirect they came by."""
    payment = booking_payment_for(tenant=tenant, booking_id=booking.pk)
    if payment is None:
        return PaymentState.NONE
    if payment.outcome == BookingPayment.Outcome.REFUNDED:
        return PaymentState.REFUNDED
    if payment.status == BookingPayment.Status.PAID and booking.status == booking.Status.CONFIRMED:
        return PaymentState.PAID
    if payment.status == BookingPayment.Status.PAID:
        return PaymentState.PROCESSING  # Stripe said paid; the worker is confirming the booking
    if payment.status == BookingPayment.Status.PROCESSING:
        return PaymentState.PROCESSING
    if payment.status == BookingPayment.Status.FAILED or booking.status == booking.Status.CANCELLED:
        return PaymentState.FAILED
    return PaymentState.AWAITING


def place_offer_payment_for(*, tenant, offer_id: int) -> BookingPayment | None:
    """A programme place offer's latest payment (one whose Checkout could not be opened may precede it)."""
    return BookingPayment.objects.filter(tenant=tenant, place_offer_id=offer_id).order_by("-id").first()


def place_offer_payment_state(*, tenant, offer) -> str:
    """`booking_payment_state` for a priced programme place offer: from our rows only."""
    payment = place_offer_payment_for(tenant=tenant, offer_id=offer.pk)
    if payment is None:
        return PaymentState.NONE
    if payment.outcome == BookingPayment.Outcome.REFUNDED:
        return PaymentState.REFUNDED
    if payment.status == BookingPayment.Status.PAID and offer.status == offer.Status.ACCEPTED:
        return PaymentState.PAID
    if payment.status in (BookingPayment.Status.PAID, BookingPayment.Status.PROCESSING):
        return PaymentState.PROCESSING
    if payment.status == BookingPayment.Status.FAILED or offer.status != offer.Status.AWAITING_PAYMENT:
        return PaymentState.FAILED
    return PaymentState.AWAITING
