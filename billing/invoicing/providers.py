"""Who produces the invoice document: an interface, and the built-in provider (a PDF rendered here).

Allot always keeps its own record of every document (billing.invoicing.models.Invoice: number, seller, buyer,
lines, totals), issued in the same transaction as the payment or refund. A provider turns that record into the
document the client gets. The built-in `PdfProvider` renders it with WeasyPrint from the templates in
billing/templates/billing/invoice/ in the document's language. Another provider (an external invoicing
service, e.g. Hungary's NAV-reporting invoicing services) is chosen with the INVOICING_PROVIDER setting (a dotted
path to a class); see the README's "Invoices" section for how it plugs in. No external adapter ships.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from billing.invoicing.models import Invoice

# WeasyPrint logs every rendering step at INFO: only its warnings belong in the application's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@runtime_checkable
class InvoicingProvider(Protocol):
    name: str

    def issue(self, invoice: Invoice) -> str:
        """Hand an issued document over to the provider; return its reference there ("" if none). Called after
        the document's transaction committed (never inside it); must be idempotent per invoice.number."""

    def pdf(self, invoice: Invoice) -> bytes:
        """The document as a PDF, for downloads and email attachments."""


class PdfProvider:
    """The default: nothing leaves Allot; the PDF is rendered from the stored document on demand (the same
    stored figures always give the same document)."""

    name = "builtin-pdf"

    def issue(self, invoice: Invoice) -> str:
        return ""

    def pdf(self, invoice: Invoice) -> bytes:
        weasyprint = _weasyprint()
        with translation.override(invoice.language):
            html = render_to_string("billing/invoice/document.html", {"invoice": invoice,
                                                                      "lines": list(invoice.lines.all())})
        return weasyprint.HTML(string=html).write_pdf()


@lru_cache(maxsize=1)
def _weasyprint():
    """weasyprint, imported on first use. Importing it sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would
    make every later image check of the process (logo uploads: tenants.logos) accept truncated files: put it back.
    Invoices embed no uploaded images, so weasyprint does not need it."""
    from PIL import ImageFile

    truncated_before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated_before
    return weasyprint


@lru_cache(maxsize=1)
def _provider_class(path: str):
    return import_string(path)


def invoicing_provider() -> InvoicingProvider:
    path = getattr(settings, "INVOICING_PROVIDER", "billing.invoicing.providers.PdfProvider")
    return _provider_class(path)()


def invoice_pdf_response(invoice: Invoice):
    """The document as a download (for the client's link and the back office)."""
    from django.http import HttpResponse

    response = HttpResponse(invoicing_provider().pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


def invoice_attachments(*, tenant, booking_id: int | None = None,
                        place_offer_id: int | None = None) -> list[tuple[str, bytes]]:
    """The invoices of a booking (or of a programme place offer) as (file name, PDF) for an email (none for one
    that was never paid)."""
    from billing.invoicing.selectors import invoices_for_booking, invoices_for_place_offer

    provider = invoicing_provider()
    invoices = (invoices_for_booking(tenant=tenant, booking_id=booking_id) if booking_id is not None
                else invoices_for_place_offer(tenant=tenant, offer_id=place_offer_id))
    return [(f"{invoice.number}.pdf", provider.pdf(invoice)) for invoice in invoices
            if invoice.kind == Invoice.Kind.INVOICE]
