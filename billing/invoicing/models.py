"""Invoices and credit notes, in the public schema next to the payments they document.

One table holds both kinds (an invoice for a payment, a credit note for a refund; a credit note names the
invoice it corrects), so lines, numbering and the PDF are shared. A document is never changed once issued: the
services only insert, `save()` refuses an update, and a database trigger (migration 0002) refuses any UPDATE of
the rows, so not even a stray queryset `.update()` can edit one. Corrections are credit notes.

Amounts are integer minor units of `currency`. Prices are gross (VAT included); per line
vat = round-half-up(gross * rate / (10000 + rate)) with the rate in basis points, net = gross - vat, and the
totals are the sums of the lines, so net + vat = gross holds on every line and on the document (checked by
constraints too).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SellerProfile(models.Model):
    """Who invoices the organisation's clients: the seller's details printed on every document."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="seller_profile")
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("address"), max_length=500)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 country code, e.g. HU."))
    vat_number = models.CharField(_("VAT or tax number"), max_length=30, blank=True,
                                  help_text=_("An EU VAT number (e.g. HU12345676) or a Hungarian tax number "
                                              "(12345676-1-42). Leave empty if you are not registered for VAT."))
    default_vat_rate_bp = models.PositiveIntegerField(
        _("VAT rate (basis points)"), default=0,
        help_text=_("The VAT included in your prices, in hundredths of a percent: 2700 is 27%."))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.legal_name} ({self.tenant_id})"


class InvoiceCounter(models.Model):
    """The last number used in one series of one organisation in one year. Incremented by an upsert in the
    same transaction as the document's insert: the row stays locked until that transaction ends, so numbers
    are handed out one at a time and a rolled-back document gives its number back (no gaps)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "series", "year"], name="invoice_counter_unique")]


class Invoice(models.Model):
    """An invoice (for a payment) or a credit note (for a refund), immutable once issued."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="invoices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    payment = models.ForeignKey("billing.BookingPayment", on_delete=models.CASCADE, related_name="invoices")
    refund = models.OneToOneField("billing.Refund", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="credit_note")
    corrects = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="credit_notes")
    booking_id = models.BigIntegerField(null=True, blank=True)  # None: a programme place offer (see payment)
    series = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    language = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    seller_name = models.CharField(max_length=200)
    seller_address = models.TextField(blank=True)
    seller_country = models.CharField(max_length=2, blank=True)
    seller_vat_number = models.CharField(max_length=30, blank=True)
    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField()
    net_total = models.BigIntegerField()
    vat_total = models.BigIntegerField()
    gross_total = models.BigIntegerField()
    # What the invoicing provider answered (the built-in one: nothing; an external service: its id).
    provider = models.CharField(max_length=40, default="builtin-pdf")
    provider_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "series", "year", "sequence"], name="invoice_gapless_number"),
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(fields=["payment"], condition=Q(kind="invoice"), name="invoice_one_per_payment"),
            models.CheckConstraint(condition=Q(net_total__gte=0, vat_total__gte=0), name="invoice_non_negative"),
            models.CheckConstraint(condition=Q(gross_total=F("net_total") + F("vat_total")),
                                   name="invoice_totals_add_up"),
            models.CheckConstraint(
                condition=(Q(kind="invoice", refund__isnull=True, corrects__isnull=True)
                           | Q(kind="credit_note", refund__isnull=False, corrects__isnull=False)),
                name="invoice_kind_consistent"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An issued invoice is never changed; issue a credit note instead.")
        super().save(*args, **kwargs)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_gross = models.BigIntegerField()
    vat_rate_bp = models.PositiveIntegerField()
    net = models.BigIntegerField()
    vat = models.BigIntegerField()
    gross = models.BigIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(condition=Q(gross=F("net") + F("vat")), name="invoice_line_adds_up"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An issued invoice's lines are never changed.")
        super().save(*args, **kwargs)

    @property
    def vat_percent(self) -> str:
        whole, hundredths = divmod(self.vat_rate_bp, 100)
        return f"{whole}" if not hundredths else f"{whole}.{hundredths:02d}".rstrip("0")
