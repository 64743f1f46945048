"""A paid group booking in a real browser, in German: the booking site hands the client to Stripe Checkout (the
local stand-in that `make up` also runs, allot.stripe_standin), the payment's signed webhook confirms the booking,
the return page says it is paid, and the invoice downloads as a PDF."""

from __future__ import annotations

import re
import zlib

import pytest
import stripe
from django.db import connection

from billing.invoicing.models import Invoice
from billing.models import BookingPayment, ConnectedAccount
from booking_core.models import Booking, FormField, Service
from tests.billing.conftest import WEBHOOK_SECRET, run_outbox, stripe_servers  # noqa: F401  (fixture)
from tests.browser.conftest import assert_fits_the_screen
from tests.factories import make_question, make_service, make_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def paid_class(committed_db, tenant_alpha, in_tenant):
    """Like the demo's group class: 15 EUR a seat, up to 3 seats, the house rules to accept."""
    with in_tenant(tenant_alpha):
        service = make_service(
            Service.Kind.GROUP, slug="group-class", name_en="Group class", name_hu="Csoportos óra",
            name_de="Gruppenstunde", description_de="Eine freundliche Gruppe mit bis zu 12 Personen.",
            price_amount=1500, price_currency="EUR", max_seats_per_booking=3, min_notice_minutes=0, horizon_days=60)
        make_question(service, "consent", FormField.Type.CHECKBOX, required=True, label_en="I accept the house rules",
                      label_hu="Elfogadom a házirendet", label_de="Ich akzeptiere die Hausordnung")
        session = make_session(service, capacity=12, starts_in_days=5, location="Studio 1")
    connection.set_schema_to_public()
    return session


@pytest.fixture
def stand_in(stripe_servers, settings, live_server_port, tenant_alpha):  # noqa: F811
    """The platform pointed at the stand-in, which sends its webhooks to the live server; alpha's account
    takes charges (as `allot up` sets up the demo organisation)."""
    settings.STRIPE_SECRET_KEY = "sk_test_allot"
    settings.STRIPE_API_BASE = stripe_servers.base
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    # The booking form's answer is a redirect to Checkout: form-action must allow its origin (as settings does
    # for STRIPE_API_BASE).
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": [*policy["DIRECTIVES"]["form-action"], stripe_servers.base]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    stripe_servers.webhook_url = f"http://{settings.ALLOT_ROOT_DOMAIN}:{live_server_port}/stripe/webhooks/payments/"
    stripe_servers.webhook_secret = WEBHOOK_SECRET
    default_base = stripe.api_base
    account_id = "acct_browser_alpha"
    stripe_servers.account_add_onboarded(account_id)
    ConnectedAccount.objects.create(tenant=tenant_alpha, stripe_account_id=account_id, charges_enabled=True,
                                    details_submitted=True)
    try:
        yield stripe_servers
    finally:
        stripe_servers.webhook_url = stripe_servers.webhook_secret = ""
        stripe.api_base = default_base


def pdf_outline_titles(pdf: bytes) -> list[str]:
    """The titles of the PDF's outline (weasyprint makes one entry per heading), from its compressed streams."""
    titles = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        titles += [title.decode("latin-1") for title in re.findall(rb"/Title \(([^)]*)\)", text)]
    return titles


def test_a_paid_group_booking_in_german_up_to_the_paid_confirmation_and_its_pdf_invoice(
        browser_page, site_url, tenant_alpha, paid_class, stand_in, in_tenant):
    # given: a German browser on the group class's page
    page = browser_page(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(site_url(tenant_alpha, "/s/group-class/?lang=de"))
    assert page.locator("h1").inner_text() == "Gruppenstunde"
    # when: the client books two seats
    page.locator(f'[data-session="{paid_class.pk}"]').get_by_role("link", name=re.compile("Auswählen")).click()
    page.get_by_label("Wie viele Plätze?").select_option("2")
    page.get_by_role("button", name="Weiter").click()
    page.locator("#id_name").fill("Jonas Weber")
    page.locator("#id_email").fill("jonas@example.de")
    page.locator("#id_answer_consent").check()
    page.locator("button[value=review]").click()
    assert page.locator("h1").inner_text() == "Überprüfen Sie Ihre Buchung"
    page.shot("pruefen")
    page.get_by_role("button", name="Buchung bestätigen").click()
    # then: they are on Checkout (the stand-in's page), for 2 × 15 EUR, created on the organisation's account
    page.wait_for_url(re.compile(re.escape(stand_in.base) + r"/pay/cs_test_"))
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert page.url == payment.checkout_url
    assert page.locator(".amount").inner_text() == "30.00 EUR"
    assert page.locator(".item").inner_text() == "Gruppenstunde"
    assert stand_in.sessions[payment.checkout_session_id]["_stripe_account"] == "acct_browser_alpha"
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(pk=payment.booking_id)
        assert (booking.status, booking.seats) == ("pending_payment", 2)
    connection.set_schema_to_public()
    page.shot("checkout")

    # when: they pay; Checkout sends the signed checkout.session.completed and returns them to the booking site
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/b/.+/payment/"))
    # then: until a worker has handled Stripe's event, the page does not claim it is paid
    assert page.locator("[data-payment-state]").get_attribute("data-payment-state") in ("awaiting", "processing")
    page.shot("zurueck-vor-dem-webhook")
    # when: the worker handles the event (the outbox, as the workers deliver it)
    run_outbox()
    page.reload()
    # then: paid and booked, with the invoice to download
    assert page.locator("[data-payment-state]").get_attribute("data-payment-state") == "paid"
    assert page.locator("h1").inner_text() == "Bezahlt, Sie sind gebucht!"
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    connection.set_schema_to_public()
    invoice = Invoice.objects.get(tenant=tenant_alpha)
    assert (invoice.gross_total, invoice.currency) == (3000, "EUR")
    link = page.locator("#invoices").get_by_role("link", name=re.compile(re.escape(invoice.number)))
    assert "Rechnungen" in page.locator("#invoices h2").inner_text()
    assert_fits_the_screen(page)
    page.shot("bezahlt")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    pdf = open(download.path(), "rb").read()
    assert download.suggested_filename == f"{invoice.number}.pdf"
    assert pdf.startswith(b"%PDF-")
    assert f"Rechnung {invoice.number}" in pdf_outline_titles(pdf)
