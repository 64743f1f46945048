"""Issuing invoices and credit notes: only inserts, never updates (an issued document is immutable).

`invoice_issue_for_payment` runs inside the transaction in which a payment becomes paid, and
`credit_note_issue_for_refund` inside the one in which a refund is recorded: the document exists exactly when the
money moved, and a rolled-back transaction takes its number with it. Numbers come from `number_allocate`, gapless
per (organisation, series, year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.errors import ApplicationError
from billing.invoicing.models import Invoice, InvoiceCounter, InvoiceLine, SellerProfile
from billing.invoicing.vat import normalise_tax_number, split_gross

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CRN"


@dataclass(frozen=True)
class InvoiceBuyer:
    """Who buys and what, for a payment that is not a booking's (a programme place offer's); None: the booking."""

    name: str
    email: str
    language: str
    description: str
    quantity: int

    @property
    def client(self):  # _issue reads the buyer as a booking: `.client.name`, `.client.email`, `.language`
        return self


class SellerProfileError(ApplicationError):
    code = "seller_profile_invalid"

    def __init__(self, message, *, field: str):
        super().__init__(message)
        self.field = field


def number_allocate(*, tenant, series: str, year: int) -> int:
    """The next number of the series, in the caller's transaction.

    One upsert both creates the counter (first document of the year) and increments it; PostgreSQL keeps the row
    locked until the transaction ends, so concurrent issuers queue on it and each gets the next number, and a
    rollback returns the number (no gaps). Must be called inside `transaction.atomic()`.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("number_allocate must run in the transaction that inserts the document")
    table = InvoiceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, series, year, last_number) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [tenant.pk, series, year],
        )
        return cursor.fetchone()[0]


def _year_of(tenant, moment: dt.datetime) -> int:
    """The year of the documents' numbering: the calendar year where the organisation is."""
    return timezone.localtime(moment, tenant.zone).year


def _seller(tenant) -> dict:
    profile = SellerProfile.objects.filter(tenant=tenant).first()
    if profile is None:
        return {"seller_name": tenant.display_name, "seller_address": "", "seller_country": tenant.country or "",
                "seller_vat_number": "", "rate_bp": 0}
    return {"seller_name": profile.legal_name, "seller_address": profile.address,
            "seller_country": profile.country, "seller_vat_number": profile.vat_number,
            "rate_bp": profile.default_vat_rate_bp}


def service_vat_rate_bp(service, seller: dict) -> int:
    """The VAT rate of a service's line: its own rate if it has one, else the organisation's default."""
    own = getattr(service, "vat_rate_bp", None)
    return seller["rate_bp"] if own is None else own


def _issue(*, tenant, kind: str, series: str, payment, booking, description: str, quantity: int, gross: int,
           rate_bp: int, seller: dict, now: dt.datetime, refund=None, corrects=None) -> Invoice:
    year = _year_of(tenant, now)
    sequence = number_allocate(tenant=tenant, series=series, year=year)
    amounts = split_gross(gross, rate_bp)
    invoice = Invoice(
        tenant=tenant, kind=kind, payment=payment, refund=refund, corrects=corrects, booking_id=payment.booking_id,
        series=series, year=year, sequence=sequence, number=f"{series}-{year}-{sequence:06d}", issued_at=now,
        language=booking.language, currency=payment.currency, buyer_name=booking.client.name,
        buyer_email=booking.client.email, net_total=amounts.net, vat_total=amounts.vat, gross_total=amounts.gross,
        **{key: value for key, value in seller.items() if key != "rate_bp"},
    )
    invoice.save()
    InvoiceLine(invoice=invoice, position=1, description=description, quantity=quantity,
                unit_gross=gross // quantity if gross % quantity == 0 else gross, vat_rate_bp=rate_bp,
                net=amounts.net, vat=amounts.vat, gross=amounts.gross).save()
    return invoice


def invoice_issue_for_payment(*, tenant, payment, now: dt.datetime | None = None,
                              buyer: InvoiceBuyer | None = None) -> Invoice:
    """The invoice of a paid payment (once: a second call returns the first). Call it in the booking's tenant
    schema, inside the transaction that marks the payment paid."""
    from booking_core.models import Booking

    existing = Invoice.objects.filter(payment=payment, kind=Invoice.Kind.INVOICE).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    if buyer is not None:
        booking, description, quantity = buyer, buyer.description, buyer.quantity
    else:
        booking = Booking.objects.select_related("client", "service").get(pk=payment.booking_id)
        description = booking.service.translated("name", booking.language)
        quantity = booking.seats if payment.amount % max(booking.seats, 1) == 0 else 1
    seller = _seller(tenant)
    with transaction.atomic():
        invoice = _issue(tenant=tenant, kind=Invoice.Kind.INVOICE, series=INVOICE_SERIES, payment=payment,
                         booking=booking, description=description, quantity=quantity, gross=payment.amount,
                         # A programme place has no rate of its own: the organisation's default applies
                         rate_bp=service_vat_rate_bp(None if buyer is not None else booking.service, seller),
                         seller=seller, now=now)
    return invoice


def credit_note_issue_for_refund(*, tenant, refund, now: dt.datetime | None = None,
                                 buyer: InvoiceBuyer | None = None) -> Invoice | None:
    """The credit note of a refund, correcting the payment's invoice at that invoice's VAT rate (once per refund).
    None if the payment was never invoiced (it was never paid)."""
    from booking_core.models import Booking

    existing = Invoice.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    original = Invoice.objects.filter(payment_id=refund.payment_id, kind=Invoice.Kind.INVOICE).first()
    if original is None:
        return None
    now = now or timezone.now()
    if buyer is not None:
        booking = buyer
    else:
        booking = Booking.objects.select_related("client", "service").get(pk=original.booking_id)
    line = original.lines.first()
    seller = _seller(tenant)
    description = _("Refund for %(number)s: %(what)s") % {"number": original.number, "what": line.description}
    with transaction.atomic():
        note = _issue(tenant=tenant, kind=Invoice.Kind.CREDIT_NOTE, series=CREDIT_NOTE_SERIES,
                      payment=refund.payment, booking=booking, description=description[:300], quantity=1,
                      gross=refund.amount, rate_bp=line.vat_rate_bp, seller=seller, now=now, refund=refund,
                      corrects=original)
    return note


def seller_profile_save(*, tenant, legal_name: str, address: str, country: str, vat_number: str,
                        default_vat_rate_bp: int) -> SellerProfile:
    """Set the organisation's seller details for documents issued from now on (issued ones keep theirs)."""
    vat_number = (vat_number or "").strip()
    if vat_number:
        normalised = normalise_tax_number(vat_number)
        if normalised is None:
            raise SellerProfileError(_("This is not a valid EU VAT number (e.g. HU12345676, DE136695976) nor a "
                                       "valid Hungarian tax number (e.g. 12345676-1-42)."), field="vat_number")
        vat_number = normalised
    if not 0 <= default_vat_rate_bp <= 10000:
        raise SellerProfileError(_("Give a VAT rate between 0 and 100%."), field="default_vat_rate_bp")
    profile, _created = SellerProfile.objects.update_or_create(
        tenant=tenant, defaults={"legal_name": legal_name.strip(), "address": address.strip(),
                                 "country": country.strip().upper(), "vat_number": vat_number,
                                 "default_vat_rate_bp": default_vat_rate_bp})
    return profile

