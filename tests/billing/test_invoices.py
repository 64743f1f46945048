"""Invoices and credit notes (issue 15 item 3): issued with the payment or the refund, gapless numbers under real
concurrency, totals that add up, never edited, PDFs for the client and the back office, VAT number checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import given
from hypothesis import strategies as st

from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.providers import InvoicingProvider, PdfProvider
from billing.invoicing.services import seller_profile_save
from billing.invoicing.vat import normalise_tax_number, split_gross
from billing.models import BookingPayment
from billing.services.payments import booking_payment_advance, payment_holds_expire
from booking_core.acting import Actor
from booking_core.models import Session
from booking_core.services.bookings import booking_create_group
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed, held_booking, paid_session
from tests.booking_core.test_concurrency import race
from tests.factories import client_details, make_service, make_session
from tests.waitlist.helpers import fill


def _seller(tenant, rate_bp=2700):
    return seller_profile_save(tenant=tenant, legal_name="Alpha Studio Kft.", address="Fő utca 1.\n1011 Budapest",
                               country="HU", vat_number="12345676-1-42", default_vat_rate_bp=rate_bp)


def _pay(stripe_api, connected, post_webhook, payment, *, times=1):
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    for _time in range(times):
        assert post_webhook(event).status_code == 200
        run_outbox()


# --- arithmetic -------------------------------------------------------------------------------------------------

@given(gross=st.integers(min_value=0, max_value=10**12), rate=st.integers(min_value=0, max_value=10000))
def test_vat_split_adds_up_and_rounds_half_up(gross, rate):
    amounts = split_gross(gross, rate)
    assert amounts.net + amounts.vat == gross and amounts.net >= 0 and amounts.vat >= 0
    # the VAT is the exact share gross*rate/(10000+rate), rounded to the nearest minor unit, halves up
    assert abs(2 * amounts.vat * (10000 + rate) - 2 * gross * rate) <= 10000 + rate


def test_vat_examples():
    assert split_gross(3000, 2700) == split_gross(3000, 2700).__class__(net=2362, vat=638, gross=3000)
    assert (split_gross(127, 2700).net, split_gross(127, 2700).vat) == (100, 27)
    assert split_gross(1500, 0).vat == 0


def test_tax_numbers_checked_with_stdnum():
    assert normalise_tax_number("HU12345676") == "HU12345676"
    assert normalise_tax_number("de 136 695 976") == "DE136695976"
    assert normalise_tax_number("12345676-1-42") == "12345676-1-42"
    assert normalise_tax_number("12345676142") == "12345676-1-42"
    for wrong in ("HU12345675", "DE136695978", "12345675-1-42", "12345676-9-42", "12345676-1-99", "hello"):
        assert normalise_tax_number(wrong) is None, wrong


# --- issued with the money ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_paid_booking_gets_one_invoice_whose_totals_add_up(tenant_alpha, connected, stripe_api, post_webhook):
    # given: the seller's details with 27% VAT, and two seats at 15.00 EUR held
    mail.outbox = []
    _seller(tenant_alpha)
    session = paid_session(tenant_alpha, capacity=3, name_en="Aqua fit", name_hu="Vízi torna")
    booking, payment = held_booking(tenant_alpha, session, seats=2, email="payer@example.com")
    # when: paid, and Stripe delivers the event twice
    _pay(stripe_api, connected, post_webhook, payment, times=2)
    # then: one invoice, numbered first of the year, with the seller's and the buyer's details
    [invoice] = Invoice.objects.filter(tenant=tenant_alpha)
    year = timezone.localtime(invoice.issued_at, tenant_alpha.zone).year
    assert (invoice.kind, invoice.number, invoice.sequence) == ("invoice", f"INV-{year}-000001", 1)
    assert (invoice.seller_name, invoice.seller_vat_number, invoice.buyer_email) == (
        "Alpha Studio Kft.", "12345676-1-42", "payer@example.com")
    # and: VAT per line, totals in minor units that add up: 30.00 gross = 23.62 net + 6.38 VAT
    [line] = invoice.lines.all()
    assert (line.description, line.quantity, line.unit_gross, line.vat_rate_bp) == ("Aqua fit", 2, 1500, 2700)
    assert (line.net, line.vat, line.gross) == (2362, 638, 3000)
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total, invoice.currency) == (2362, 638, 3000, "EUR")
    assert invoice.gross_total == payment.amount
    # and: the confirmation email carries the invoice's PDF
    [confirmation] = [message for message in mail.outbox if message.to == ["payer@example.com"]]
    pdfs = [(name, content[:4]) for name, content, mimetype in confirmation.attachments
            if mimetype == "application/pdf"]
    assert pdfs == [(f"{invoice.number}.pdf", b"%PDF")]


@pytest.mark.django_db
def test_a_refund_gets_a_credit_note_correcting_the_invoice(tenant_alpha, connected, stripe_api, post_webhook):
    # given: a hold that ran out and its seat taken by someone else
    _seller(tenant_alpha, rate_bp=500)
    session = paid_session(tenant_alpha, capacity=1, name_en="Aqua fit")
    now = session.starts_at - dt.timedelta(days=2)
    booking, payment = held_booking(tenant_alpha, session, now=now, email="late@example.com")
    with tenant_context(tenant_alpha):
        payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=16))
        fill(tenant_alpha, session, [1])
    # when: the late payment arrives (and is refunded)
    _pay(stripe_api, connected, post_webhook, payment)
    # then: an invoice for the payment and a credit note for the refund, in their own series, same VAT rate
    invoice = Invoice.objects.get(payment=payment, kind="invoice")
    note = Invoice.objects.get(payment=payment, kind="credit_note")
    assert note.corrects == invoice and note.refund == payment.refunds.get()
    assert note.number.startswith("CRN-") and note.sequence == 1
    assert (note.gross_total, note.net_total, note.vat_total) == (1500, 1429, 71)
    assert note.lines.get().vat_rate_bp == 500


@pytest.mark.django_db
def test_an_issued_invoice_is_never_changed(tenant_alpha, connected, stripe_api, post_webhook):
    session = paid_session(tenant_alpha, capacity=3)
    _booking, payment = held_booking(tenant_alpha, session)
    _pay(stripe_api, connected, post_webhook, payment)
    invoice = Invoice.objects.get(payment=payment)
    # then: not through the model, not through a queryset, not through its lines (the database refuses)
    invoice.buyer_name = "Someone Else"
    with pytest.raises(ValueError):
        invoice.save()
    for attempt in (lambda: Invoice.objects.filter(pk=invoice.pk).update(gross_total=1),
                    lambda: InvoiceLine.objects.filter(invoice=invoice).update(description="changed")):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert Invoice.objects.get(pk=invoice.pk).buyer_name != "Someone Else"


# --- numbering under concurrency ------------------------------------------------------------------------------

@pytest.mark.slow
def test_twenty_simultaneous_payments_get_numbers_one_to_twenty_without_gaps(committed_db, tenant_alpha, in_tenant):
    # given: 20 bookings held for payment, each with its open payment, each in a session of its own (so that
    # nothing but the invoice numbering makes their confirmations wait for each other)
    with in_tenant(tenant_alpha):
        service = make_service(price_amount=1500)
        payment_ids = []
        for index in range(20):
            email = f"racer{index}@example.com"
            session = make_session(service, capacity=3, starts_in_days=3 + index / 24)
            booking = booking_create_group(tenant=tenant_alpha, session=Session.objects.get(pk=session.pk), seats=1,
                                           client=client_details(email=email), actor=Actor.client(email),
                                           payment_due_at=timezone.now() + dt.timedelta(minutes=15))
            payment_ids.append(BookingPayment.objects.create(
                tenant=tenant_alpha, booking_id=booking.pk, amount=1500, currency="EUR", stripe_account_id="acct_x",
                status=BookingPayment.Status.OPEN).pk)

    # when: Stripe's 20 "paid" events are handled at the same moment, each on its own connection
    # (one moment for all: they belong to the same year even when run at midnight on New Year's Eve)
    paid_at = timezone.now()

    def attempt(index):
        return booking_payment_advance(payment_id=payment_ids[index], status=BookingPayment.Status.PAID, now=paid_at)

    outcome = race(tenant_alpha, 20, attempt)
    # then: all booked, 20 invoices numbered 1..20 (no gap, no duplicate), one per payment
    assert outcome == {"paid (booked)": 20}
    invoices = Invoice.objects.filter(tenant=tenant_alpha, kind="invoice")
    assert sorted(invoices.values_list("sequence", flat=True)) == list(range(1, 21))
    assert sorted(invoices.values_list("payment_id", flat=True)) == sorted(payment_ids)


# --- documents ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_pdfs_in_the_clients_language_for_the_client_and_the_back_office(
        tenant_alpha, tenant_beta, connected, stripe_api, post_webhook, client_for, member_client, in_tenant):
    _seller(tenant_alpha)
    session = paid_session(tenant_alpha, capacity=5, name_en="Aqua fit", name_hu="Vízi torna", name_de="Wassergym")
    office = member_client(tenant_alpha, "alpha_owner")
    invoices = {}
    for language in ("en", "hu", "de"):
        booking, payment = held_booking(tenant_alpha, session, email=f"{language}@example.com")
        with in_tenant(tenant_alpha):
            from booking_core.models import Booking
            Booking.objects.filter(pk=booking.pk).update(language=language)
        _pay(stripe_api, connected, post_webhook, payment)
        invoice = Invoice.objects.get(payment=payment)
        invoices[language] = (booking, invoice)
        assert invoice.language == language
        assert invoice.lines.get().description == {"en": "Aqua fit", "hu": "Vízi torna", "de": "Wassergym"}[language]
        # the client, from the booking's secret link
        manage = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/?lang={language}").content.decode()
        link = f"/b/{booking.manage_token}/invoice/{invoice.number}.pdf"
        assert link in manage
        pdf = client_for(tenant_alpha).get(link)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert {"private", "no-store"} <= set(pdf["Cache-Control"].replace(" ", "").split(","))
        # the back office, from the booking's page
        page = office.get(f"/office/bookings/{booking.pk}/").content.decode()
        assert f"/office/invoices/{invoice.number}.pdf" in page
        assert office.get(f"/office/invoices/{invoice.number}.pdf").content.startswith(b"%PDF")
    # and: the document is written in the client's language
    from django.template.loader import render_to_string
    from django.utils import translation
    for language, (_booking, invoice) in invoices.items():
        with translation.override(language):
            html = render_to_string("billing/invoice/document.html", {"invoice": invoice,
                                                                      "lines": list(invoice.lines.all())})
        assert f'<html lang="{language}">' in html and invoice.number in html
    # and: another booking's link, or another organisation, never gets the document
    en_booking, en_invoice = invoices["en"]
    hu_booking, _ = invoices["hu"]
    other_link = f"/b/{hu_booking.manage_token}/invoice/{en_invoice.number}.pdf"
    assert client_for(tenant_alpha).get(other_link).status_code == 404
    beta_office = member_client(tenant_beta, "beta_owner")
    assert beta_office.get(f"/office/invoices/{en_invoice.number}.pdf").status_code == 404
    own_link = f"/b/{en_booking.manage_token}/invoice/{en_invoice.number}.pdf"
    assert client_for(tenant_beta).get(own_link).status_code == 404


def test_the_builtin_provider_is_an_invoicing_provider():
    assert isinstance(PdfProvider(), InvoicingProvider)


# --- the seller's details ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_owners_set_the_seller_details_and_wrong_vat_numbers_are_refused_next_to_the_field(tenant_alpha,
                                                                                          member_client):
    office = member_client(tenant_alpha, "alpha_owner")
    form = {"legal_name": "Alpha Studio Kft.", "address": "Fő utca 1.", "country": "HU", "vat_rate_percent": "27"}
    for wrong in ("HU12345675", "12345675-1-42", "DE1"):
        response = office.get("/office/invoicing/") and office.post("/office/invoicing/", {**form, "vat_number": wrong})
        assert response.status_code == 400
        html = response.content.decode()
        field = html[html.index('id="id_vat_number"'):]
        assert "not a valid EU VAT number" in field[:field.index("</div>")]
    too_high = office.post("/office/invoicing/", {**form, "vat_number": "", "vat_rate_percent": "101"})
    assert too_high.status_code == 400
    saved = office.post("/office/invoicing/", {**form, "vat_number": "hu 12345676"})
    assert saved.status_code == 302
    profile = tenant_alpha.seller_profile
    profile.refresh_from_db()
    assert (profile.vat_number, profile.default_vat_rate_bp) == ("HU12345676", 2700)
    assert "HU12345676" in office.get("/office/invoicing/").content.decode()


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back(tenant_alpha, tenant_beta):
    from billing.invoicing.services import number_allocate

    with transaction.atomic():
        assert number_allocate(tenant=tenant_alpha, series="INV", year=2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_allocate(tenant=tenant_alpha, series="INV", year=2026) == 2
        raise RuntimeError("the invoice's insert failed")
    with transaction.atomic():
        # the same number again (no gap); other series, years and organisations count on their own
        assert number_allocate(tenant=tenant_alpha, series="INV", year=2026) == 2
        assert number_allocate(tenant=tenant_alpha, series="CRN", year=2026) == 1
        assert number_allocate(tenant=tenant_alpha, series="INV", year=2027) == 1
        assert number_allocate(tenant=tenant_beta, series="INV", year=2026) == 1
