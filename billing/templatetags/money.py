"""Amounts in billing's emails and pages, written the page language's way."""

from django import template

from public_site.formatting import format_price

register = template.Library()


@register.filter
def refund_amount(refund) -> str:
    return format_price(refund.amount, refund.currency)


@register.filter
def payment_amount(payment) -> str:
    return format_price(payment.amount, payment.currency)
