"""A booking's (or a programme place offer's) invoices and credit notes, downloaded by the client from its secret
link."""

from __future__ import annotations

from django.http import Http404

from billing.invoicing.providers import invoice_pdf_response
from billing.invoicing.selectors import invoice_get
from booking_core.programmes.selectors import offer_get_by_token
from booking_core.selectors.bookings import booking_get_by_token
from public_site.pages import public_page, secret_link_page


@secret_link_page
@public_page
def booking_invoice_pdf(request, token: str, number: str):
    """Only a document of this booking of this organisation: any other number is a 404."""
    booking = booking_get_by_token(token=token)
    invoice = invoice_get(tenant=request.tenant, number=number, booking_id=booking.pk)
    if invoice is None:
        raise Http404("No such invoice for this booking.")
    return invoice_pdf_response(invoice)


@secret_link_page
@public_page
def place_offer_invoice_pdf(request, token: str, number: str):
    """Only a document of this place offer's payment of this organisation: any other number is a 404."""
    offer = offer_get_by_token(token=token)
    invoice = invoice_get(tenant=request.tenant, number=number, place_offer_id=offer.pk)
    if invoice is None:
        raise Http404("No such invoice for this place offer.")
    return invoice_pdf_response(invoice)
