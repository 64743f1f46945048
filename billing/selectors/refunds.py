"""Reads about refunds: a service's cancellation policy, and what cancelling a booking now would give back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from billing.models import BookingPayment, CancellationPolicy, Refund
from billing.refund_policy import Policy, refund_amount


@dataclass(frozen=True)
class RefundPreview:
    payment: BookingPayment
    refundable: int  # what was paid and not refunded yet
    amount: int  # what the policy gives back now
    currency: str


def policy_for(*, tenant, service_id: int) -> Policy | None:
    """The service's cancellation policy, or None: no policy set, a full refund."""
    row = CancellationPolicy.objects.filter(tenant=tenant, service_id=service_id).first()
    if row is None:
        return None
    return Policy(full_refund_hours=row.full_refund_hours, partial_refund_hours=row.partial_refund_hours,
                  partial_percent=row.partial_percent)


def policies_by_service(*, tenant) -> dict[int, CancellationPolicy]:
    return {row.service_id: row for row in CancellationPolicy.objects.filter(tenant=tenant)}


def paid_payment_of(*, tenant, booking_id: int) -> BookingPayment | None:
    # Only what was paid online is refunded online: money taken on site is given back on site.
    return BookingPayment.objects.filter(tenant=tenant, booking_id=booking_id, status=BookingPayment.Status.PAID,
                                         method=BookingPayment.Method.ONLINE).first()


def refunded_so_far(payment: BookingPayment) -> int:
    return (payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))["total"] or 0)


def refund_preview(*, tenant, booking, now: dt.datetime) -> RefundPreview | None:
    """What cancelling `booking` at `now` would refund by its service's policy; None if nothing was paid."""
    payment = paid_payment_of(tenant=tenant, booking_id=booking.pk)
    if payment is None:
        return None
    refundable = max(payment.amount - refunded_so_far(payment), 0)
    amount = refund_amount(policy_for(tenant=tenant, service_id=booking.service_id), refundable,
                           booking.starts_at, now, payment.currency)
    return RefundPreview(payment=payment, refundable=refundable, amount=amount, currency=payment.currency)


def refunds_of_booking(*, tenant, booking_id: int) -> tuple[BookingPayment | None, list[Refund]]:
    payment = BookingPayment.objects.filter(tenant=tenant, booking_id=booking_id).first()
    if payment is None:
        return None, []
    return payment, list(payment.refunds.order_by("created_at", "id"))
