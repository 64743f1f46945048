"""Refunds of cancelled bookings, and the cancellation policies that size them.

booking_core publishes BookingCancelled inside the cancellation's transaction (booking_core.event_handlers lists
this module's handler): the refund row and the outbox row that issues it commit or roll back with the
cancellation. The outbox worker sends it to Stripe (billing.services.payments.refund_issue, once per refund,
with the refund's idempotency key); a payment has at most one cancellation refund (a unique constraint).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from allot.errors import ApplicationError
from billing.models import BookingPayment, CancellationPolicy, Refund
from billing.selectors.refunds import paid_payment_of, refund_preview
from billing.services.payments import refund_recorded
from booking_core.models import Booking
from booking_core.services.audit import audit_record


class RefundError(ApplicationError):
    code = "refund_invalid"


def cancellation_policy_set(*, tenant, service_id: int, full_refund_hours: int, partial_refund_hours: int,
                            partial_percent: int) -> CancellationPolicy:
    """Set a service's policy: full refund until `full_refund_hours` before, `partial_percent` until
    `partial_refund_hours` before, nothing after."""
    if min(full_refund_hours, partial_refund_hours, partial_percent) < 0 or partial_percent > 100:
        raise RefundError(_("Hours cannot be negative and the percentage is between 0 and 100."))
    if partial_refund_hours > full_refund_hours:
        raise RefundError(_("The partial refund must end closer to the start than the full refund."))
    policy, _created = CancellationPolicy.objects.update_or_create(
        tenant=tenant, service_id=service_id,
        defaults={"full_refund_hours": full_refund_hours, "partial_refund_hours": partial_refund_hours,
                  "partial_percent": partial_percent})
    return policy


def refund_for_cancellation(event) -> Refund | None:
    """On BookingCancelled (in the tenant's schema, in the cancellation's transaction): record the refund of a
    paid booking, sized by the policy or by the operator's `refund_amount` (audited), and have the outbox issue
    it (in full when the organisation called the session off). Nothing for an unpaid booking or a zero amount;
    never a second cancellation refund for one payment."""
    tenant = connection.tenant
    if not paid_payment_of(tenant=tenant, booking_id=event.booking_id):
        return None  # the common case, one query: nothing was paid online for this booking
    booking = Booking.objects.select_related("client").get(pk=event.booking_id)
    preview = refund_preview(tenant=tenant, booking=booking, now=event.cancelled_at)
    if preview is None:
        return None
    amount = preview.refundable if event.full_refund else preview.amount
    if event.refund_amount is not None and event.refund_amount != preview.amount:
        if not 0 <= event.refund_amount <= preview.refundable:
            raise RefundError(_("The refund is between 0 and what was paid (%(paid)s minor units).")
                              % {"paid": preview.refundable}, fields={"refund_amount": [_("Out of range.")]})
        amount = event.refund_amount
        audit_record(actor=event.actor, action="booking.refund_overridden", obj=booking,
                     before={"refund_by_policy": preview.amount, "currency": preview.currency},
                     after={"refund": amount, "currency": preview.currency})
    if amount <= 0:
        return None
    with transaction.atomic():
        payment = BookingPayment.objects.select_for_update().get(pk=preview.payment.pk)
        refund, created = Refund.objects.get_or_create(
            payment=payment, reason=Refund.Reason.CANCELLATION,
            defaults={"amount": amount, "currency": payment.currency})
        if created:
            refund_recorded(tenant=tenant, refund=refund, booking=booking)
    return refund
