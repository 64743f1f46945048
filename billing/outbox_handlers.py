"""What the outbox's workers do with billing's rows: handle a Stripe event, issue a refund, email a refund.

Registered when Django starts (BillingConfig.ready); each runs in the row's tenant schema under the row's lock.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import NoLongerRelevant, action, renderer
from allot.outbox.models import OutboxMessage
from billing.models import BookingPayment, Refund
from billing.services.operator_payments import PAYMENT_LINK_EMAIL
from billing.services.payments import (
    CHECKOUT_EXPIRE,
    PAYMENT_REFUNDED_EMAIL,
    REFUND_ISSUE,
    checkout_close,
    refund_issue,
)
from billing.services.stripe_events import PROCESS_EVENT, stripe_event_process
from booking_core.messages.rendering import tenant_email
from booking_core.models import Booking
from booking_core.programmes.models import PlaceOffer
from booking_core.programmes.selectors import place_offer_payer


@action(PROCESS_EVENT)
def process_stripe_event(row: OutboxMessage) -> None:
    stripe_event_process(event_id=row.payload["event_id"])


@action(REFUND_ISSUE)
def issue_refund(row: OutboxMessage) -> None:
    refund_issue(refund_id=row.payload["refund_id"])


@action(CHECKOUT_EXPIRE)
def close_checkout(row: OutboxMessage) -> None:
    checkout_close(payment_id=row.payload["payment_id"])


@renderer(PAYMENT_REFUNDED_EMAIL)
def render_payment_refunded(row: OutboxMessage) -> EmailMultiAlternatives:
    if row.payload.get("place_offer_id"):
        return _render_place_offer_refunded(row)
    booking = Booking.objects.select_related("service", "client").filter(pk=row.payload.get("booking_id")).first()
    refund = Refund.objects.filter(pk=row.payload.get("refund_id")).first()
    if booking is None or refund is None:
        raise NoLongerRelevant("the booking or the refund no longer exists")
    tenant = connection.tenant
    context = {"tenant": tenant, "booking": booking, "refund": refund,
               "service_name": booking.service.translated("name", row.language),
               "amount": refund.amount, "currency": refund.currency}
    return tenant_email(tenant=tenant, template="billing/email/payment_refunded", context=context,
                        recipient=row.recipient)


@renderer(PAYMENT_LINK_EMAIL)
def render_payment_link(row: OutboxMessage) -> EmailMultiAlternatives:
    """The Checkout link of a booking an operator made for the client (while it still awaits payment)."""
    booking = Booking.objects.select_related("service", "client", "session").filter(
        pk=row.payload.get("booking_id")).first()
    payment = BookingPayment.objects.filter(pk=row.payload.get("payment_id")).first()
    if booking is None or payment is None or not payment.checkout_url:
        raise NoLongerRelevant("the booking or its payment no longer exists")
    if booking.status != Booking.Status.PENDING_PAYMENT:
        raise NoLongerRelevant("the booking no longer awaits payment")
    tenant = connection.tenant
    context = {"tenant": tenant, "booking": booking, "payment": payment, "checkout_url": payment.checkout_url,
               "service_name": booking.service.translated("name", row.language),
               "starts_at": timezone.localtime(booking.starts_at, tenant.zone),
               "hold_until": timezone.localtime(booking.payment_due_at, tenant.zone)}
    return tenant_email(tenant=tenant, template="billing/email/payment_link", context=context,
                        recipient=row.recipient)


def _render_place_offer_refunded(row: OutboxMessage) -> EmailMultiAlternatives:
    """The refund email for a programme place offer's payment: the same text, naming the programme."""
    offer = PlaceOffer.objects.select_related("programme").filter(pk=row.payload["place_offer_id"]).first()
    refund = Refund.objects.filter(pk=row.payload.get("refund_id")).first()
    payer = place_offer_payer(offer) if offer is not None else None
    if payer is None or refund is None:
        raise NoLongerRelevant("the place offer or the refund no longer exists")
    tenant = connection.tenant
    # The template addresses `booking.client`: the payer's sign-up has one.
    context = {"tenant": tenant, "booking": payer, "refund": refund,
               "service_name": offer.programme.translated("name", row.language),
               "amount": refund.amount, "currency": refund.currency}
    return tenant_email(tenant=tenant, template="billing/email/payment_refunded", context=context,
                        recipient=row.recipient)
