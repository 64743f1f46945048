"""Refunds shown where bookings are shown: what cancelling now gives back (the client's cancel page), and a
booking's payment and refunds (the back office's booking page). Template tags, so that the pages of booking_core
and public_site show billing's facts without their views importing billing."""

from django import template
from django.utils import timezone

from billing.selectors.refunds import refund_preview, refunds_of_booking
from public_site.formatting import format_price

register = template.Library()


@register.inclusion_tag("billing/_refund_preview.html", takes_context=True)
def cancellation_refund_preview(context, booking):
    preview = refund_preview(tenant=context["request"].tenant, booking=booking, now=timezone.now())
    return {"preview": preview,
            "amount": format_price(preview.amount, preview.currency) if preview else "",
            "paid": format_price(preview.refundable, preview.currency) if preview else ""}


@register.inclusion_tag("billing/_booking_payment.html", takes_context=True)
def booking_payment_and_refunds(context, booking):
    payment, refunds = refunds_of_booking(tenant=context["request"].tenant, booking_id=booking.pk)
    return {"payment": payment, "refunds": refunds,
            "paid": format_price(payment.amount, payment.currency) if payment else "",
            "rows": [(refund, format_price(refund.amount, refund.currency)) for refund in refunds]}
