"""Reading invoices: always within one organisation (an invoice of another is never found)."""

from __future__ import annotations

from billing.invoicing.models import Invoice, SellerProfile


def invoices_for_booking(*, tenant, booking_id: int) -> list[Invoice]:
    return list(Invoice.objects.filter(tenant=tenant, booking_id=booking_id).order_by("issued_at", "id"))


def invoices_for_place_offer(*, tenant, offer_id: int) -> list[Invoice]:
    """A programme place offer's invoice and credit notes (its payment's; place offer ids are per tenant)."""
    return list(Invoice.objects.filter(tenant=tenant, booking_id=None, payment__tenant=tenant,
                                       payment__place_offer_id=offer_id).order_by("issued_at", "id"))


def invoice_get(*, tenant, number: str, booking_id: int | None = None,
                place_offer_id: int | None = None) -> Invoice | None:
    invoices = Invoice.objects.filter(tenant=tenant, number=number)
    if booking_id is not None:
        invoices = invoices.filter(booking_id=booking_id)
    if place_offer_id is not None:
        invoices = invoices.filter(booking_id=None, payment__place_offer_id=place_offer_id)
    return invoices.prefetch_related("lines").first()


def seller_profile_for(*, tenant) -> SellerProfile | None:
    return SellerProfile.objects.filter(tenant=tenant).first()
