"""Reading invoices: always within one organisation (an invoice of another is never found)."""

from __future__ import annotations

from billing.invoicing.models import Invoice, SellerProfile


def invoices_for_booking(*, tenant, booking_id: int) -> list[Invoice]:
    return list(Invoice.objects.filter(tenant=tenant, booking_id=booking_id).order_by("issued_at", "id"))


def invoice_get(*, tenant, number: str, booking_id: int | None = None) -> Invoice | None:
    invoices = Invoice.objects.filter(tenant=tenant, number=number)
    if booking_id is not None:
        invoices = invoices.filter(booking_id=booking_id)
    return invoices.prefetch_related("lines").first()


def seller_profile_for(*, tenant) -> SellerProfile | None:
    return SellerProfile.objects.filter(tenant=tenant).first()
