"""Invoices on pages and in the PDF: amounts in the document's currency, and a booking's documents."""

from django import template

from billing.invoicing.selectors import invoices_for_booking
from public_site.formatting import format_price

register = template.Library()


@register.simple_tag
def minor(amount, currency) -> str:
    return format_price(amount, currency)


@register.simple_tag(takes_context=True)
def booking_invoices(context, booking):
    """The invoices and credit notes of a booking of the current tenant, oldest first."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None or booking is None:
        return []
    return invoices_for_booking(tenant=tenant, booking_id=booking.pk)
