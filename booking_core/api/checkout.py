"""Paying for a place taken through the API (an accepted waitlist offer): the Checkout Session to send the client
to, opened by billing's one paid-booking service; the return page is the booking site's payment page, which shows
the state from our own rows."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from billing.services.payments import booking_payment_start
from booking_core.api.public_serializers import PublicBookingSerializer
from booking_core.models import Booking


class CheckoutSerializer(serializers.Serializer):
    checkout_url = serializers.URLField(
        help_text="Stripe Checkout on the organisation's account: send the client here.")
    return_url = serializers.URLField(help_text="Where Stripe sends the client back; it shows the payment's state.")
    amount = serializers.IntegerField(help_text="Minor units.")
    currency = serializers.CharField()
    due_at = serializers.DateTimeField(
        help_text="The place is held until then; unpaid, it goes to the next one waiting.")


class PayableBookingSerializer(PublicBookingSerializer):
    payment = CheckoutSerializer(allow_null=True, help_text="Set while the booking awaits its online payment.")


def payable_booking_data(request, *, tenant, booking: Booking) -> dict:
    """The booking as the API shows it, with the Checkout Session to pay it while it awaits payment (opened once:
    asking again returns the same session)."""
    payment = None
    if booking.status == Booking.Status.PENDING_PAYMENT:
        return_url = request.build_absolute_uri(reverse("booking-payment", args=[booking.manage_token]))
        started = booking_payment_start(tenant=tenant, booking=booking, success_url=return_url, cancel_url=return_url)
        payment = {"checkout_url": started.checkout_url, "return_url": return_url, "amount": started.amount,
                   "currency": started.currency, "due_at": booking.payment_due_at}
    booking.payment = payment
    return PayableBookingSerializer(booking, context={"tenant": tenant}).data
