"""What follows a priced programme place offer's payment, beyond tests/billing/test_paid_place_offers.py:

- a household's offer awaiting payment cannot shrink: its Checkout Session's amount is fixed for all the offered
  places, so one member withdrawing would have the rest pay for a place no longer theirs. The withdrawal is refused
  (page and API, nothing changed); after the payment, one of them leaves as any allocated participant does;
- a place offer's refund reaches the organisation's webhook endpoints as payment.refunded, naming the offer;
- the paid offer's invoice is linked on its payment page (by the offer's link only) and attached to the allocation.

Through the offer page, the sign-up page, the public API and signed webhooks; every time is the frozen clock's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from billing.invoicing.models import Invoice
from billing.models import BookingPayment, Refund
from booking_core.acting import Actor
from booking_core.programmes.models import PlaceOffer, ProgrammeGroup, SignUp
from booking_core.programmes.services.signups import signup_withdraw
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed
from tests.billing.test_paid_place_offers import accept_on_the_page, page, scene
from tests.booking_core.test_api_operator import send
from tests.programmes.factories import make_group, make_programme, one, sign_up

pytestmark = pytest.mark.django_db

CLOCK = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def offered(tenant_alpha, in_tenant):
    """test_paid_place_offers' scene: a 12 EUR one-place offer sent to first@example.com; second@example.com waits."""
    with time_machine.travel(CLOCK, tick=False), in_tenant(tenant_alpha):
        built = scene(tenant_alpha, price=1200)
    connection.set_schema_to_public()
    return built


@pytest.fixture
def household_offer(tenant_alpha, in_tenant):
    """A 12 EUR programme, one group of two places, both taken; a family of two waits; both placed participants
    withdraw and the family is offered both places (one offer of two places)."""
    with time_machine.travel(CLOCK, tick=False), in_tenant(tenant_alpha):
        programme = make_programme(offer_validity_hours=24, price_amount=1200)
        group = make_group(programme, 2)
        placed = [one(tenant_alpha, programme), one(tenant_alpha, programme)]
        family = sign_up(tenant_alpha, programme, attendees=["Anna", "Ben"])
        for signup in placed:
            signup_withdraw(tenant=tenant_alpha, signup=signup, actor=Actor.client("x@example.com"))
        offer = PlaceOffer.objects.get(programme=programme, status="sent")
        assert offer.places == 2
    connection.set_schema_to_public()
    return {"programme": programme, "group": group, "offer": offer, "family": family}


def snapshot(tenant, in_tenant, built) -> dict:
    with in_tenant(tenant):
        offer = PlaceOffer.objects.get(pk=built["offer"].pk)
        return {"offer": (offer.status, offer.places),
                "family": [SignUp.objects.get(pk=member.pk).status for member in built["family"]],
                "places_taken": ProgrammeGroup.objects.get(pk=built["group"].pk).places_taken,
                "payments": list(BookingPayment.objects.filter(tenant=tenant).values_list("status", "amount"))}


def test_one_member_cannot_withdraw_while_the_household_pays_and_can_afterwards(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, household_offer):
    offer, (anna, ben) = household_offer["offer"], household_offer["family"]
    # given: the family accepted; Checkout for two places (24 EUR)
    with time_machine.travel(CLOCK, tick=False):
        accepted = client_for(tenant_alpha).post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert (accepted.status_code, accepted["Location"]) == (302, payment.checkout_url)
    assert (payment.amount, stripe_api.sessions[payment.checkout_session_id]["amount_total"]) == (2400, 2400)
    before = snapshot(tenant_alpha, in_tenant, household_offer)
    assert before == {"offer": ("awaiting_payment", 2), "family": ["waitlisted", "waitlisted"], "places_taken": 2,
                      "payments": [("open", 2400)]}

    # when: Ben withdraws on his sign-up page, then by the API
    with time_machine.travel(CLOCK + dt.timedelta(minutes=1), tick=False):
        on_the_page = client_for(tenant_alpha).post(f"/programmes/signups/{ben.token}/withdraw/?lang=en")
        by_the_api = send(client_for(tenant_alpha), "post", f"/api/v1/programmes/signups/{ben.token}/withdraw/")
    # then: refused with the reason; nothing changed (offer, places, the open payment's amount)
    assert on_the_page.status_code == 409
    assert "cannot withdraw now" in on_the_page.content.decode()
    assert by_the_api.status_code == 400
    assert "Complete the payment and withdraw afterwards" in by_the_api.json()["detail"]
    assert snapshot(tenant_alpha, in_tenant, household_offer) == before

    # when: the family pays (signed webhook)
    with time_machine.travel(CLOCK + dt.timedelta(minutes=3), tick=False):
        assert post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id)).status_code == 200
        run_outbox()
    # then: both allocated for the 24 EUR charged, invoiced as two places
    after = snapshot(tenant_alpha, in_tenant, household_offer)
    assert after == {"offer": ("accepted", 2), "family": ["allocated", "allocated"], "places_taken": 2,
                     "payments": [("paid", 2400)]}
    invoice = Invoice.objects.get(payment=payment)
    assert (invoice.gross_total, invoice.lines.get().quantity) == (2400, 2)

    # when: Ben withdraws now
    with time_machine.travel(CLOCK + dt.timedelta(minutes=4), tick=False):
        withdrawn = client_for(tenant_alpha).post(f"/programmes/signups/{ben.token}/withdraw/?lang=en")
    # then: he leaves as any allocated participant does; Anna keeps her place
    assert withdrawn.status_code == 302
    after = snapshot(tenant_alpha, in_tenant, household_offer)
    assert (after["family"], after["places_taken"]) == (["allocated", "withdrawn"], 1)
    assert not Refund.objects.exists()
    assert anna.pk != ben.pk


def test_the_whole_household_can_still_leave_an_offer_awaiting_payment_when_it_lapses(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, household_offer):
    # given: a one-place offer awaiting payment still withdraws as before (test_paid_place_offers); a household's
    # unpaid offer closes for all of them when the payment is due
    from billing import jobs

    offer = household_offer["offer"]
    with time_machine.travel(CLOCK, tick=False):
        client_for(tenant_alpha).post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    with time_machine.travel(CLOCK + dt.timedelta(minutes=16), tick=False), in_tenant(tenant_alpha):
        assert jobs.payment_holds_expire() == 1
    connection.set_schema_to_public()
    after = snapshot(tenant_alpha, in_tenant, household_offer)
    assert (after["offer"], after["family"], after["places_taken"]) == (
        ("expired", 2), ["not_allocated", "not_allocated"], 0)


def test_a_place_offers_refund_reaches_the_organisations_webhook_endpoints_as_payment_refunded(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, offered):
    import json
    from pathlib import Path

    import jsonschema

    from allot.outbox.models import OutboxMessage
    from billing import jobs
    from booking_core.webhooks.services import webhook_endpoint_create

    # given: an endpoint that wants refunds; the offer accepted and left unpaid past its hold (place passed on)
    with in_tenant(tenant_alpha):
        webhook_endpoint_create(actor=Actor.system("staff"), url="http://127.0.0.1:9/hooks",
                                event_types=["payment.refunded"])
    connection.set_schema_to_public()
    offer = offered["offer"]
    accept_on_the_page(client_for, tenant_alpha, offer, CLOCK)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    with time_machine.travel(CLOCK + dt.timedelta(minutes=16), tick=False), in_tenant(tenant_alpha):
        assert jobs.payment_holds_expire() == 1
    connection.set_schema_to_public()
    # when: the payment arrives anyway (a signed webhook, delivered twice)
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    with time_machine.travel(CLOCK + dt.timedelta(minutes=17), tick=False):
        post_webhook(event)
        run_outbox()
        post_webhook(event)
        run_outbox()
    # then: refunded once, and one payment.refunded event names the place offer (no booking) and the payer
    refund = Refund.objects.get(payment=payment)
    [row] = OutboxMessage.objects.filter(queue="webhook", payload__event__type="payment.refunded")
    sent = row.payload["event"]
    assert sent["timestamp"].startswith("2026-12-04T09:17")
    assert sent["data"] == {
        "object": "refund", "id": refund.pk, "booking": None,
        "place_offer": {"id": offer.pk, "programme": {"id": offered["programme"].pk,
                                                      "slug": offered["programme"].slug},
                        "group": offered["group"].pk, "places": 1},
        "amount": 1200, "currency": "EUR", "reason": "no_place",
        "client": {"id": offered["first"].client_id, "name": offered["first"].client.name,
                   "email": "first@example.com", "phone": offered["first"].client.phone}}
    schema = json.loads((Path(__file__).parents[2] / "docs" / "webhook-event.schema.json").read_text())
    jsonschema.validate(sent, schema)


def test_the_paid_place_offers_invoice_is_on_its_payment_page_and_in_the_allocation_email(
        client_for, tenant_alpha, tenant_beta, in_tenant, connected, stripe_api, post_webhook, offered,
        household_offer):
    from django.core import mail

    offer = offered["offer"]
    mail.outbox = []
    # given: the offer accepted; before it is paid the payment page lists no invoice
    accept_on_the_page(client_for, tenant_alpha, offer, CLOCK)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    payment_page = f"/programmes/offers/{offer.token}/payment/"
    assert 'id="invoices"' not in page(client_for, tenant_alpha, payment_page, CLOCK + dt.timedelta(minutes=1))
    # when: it is paid (signed webhook) and the outbox sends the allocation
    with time_machine.travel(CLOCK + dt.timedelta(minutes=2), tick=False):
        post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
        run_outbox()
    invoice = Invoice.objects.get(payment=payment, kind="invoice")
    # then: the payment page links the invoice's PDF, which downloads by the offer's link
    link = f"/programmes/offers/{offer.token}/invoice/{invoice.number}.pdf"
    paid_page = page(client_for, tenant_alpha, payment_page, CLOCK + dt.timedelta(minutes=3))
    assert 'data-payment-state="paid"' in paid_page
    assert f'href="{link}?lang=en"' in paid_page
    with time_machine.travel(CLOCK + dt.timedelta(minutes=3), tick=False):
        download = client_for(tenant_alpha).get(link)
        # and: another offer's link, another organisation, another number are a 404
        other_offer = client_for(tenant_alpha).get(
            f"/programmes/offers/{household_offer['offer'].token}/invoice/{invoice.number}.pdf")
        other_tenant = client_for(tenant_beta).get(link)
        other_number = client_for(tenant_alpha).get(f"/programmes/offers/{offer.token}/invoice/NOPE-1.pdf")
    assert (download.status_code, download["Content-Type"]) == (200, "application/pdf")
    assert download.content.startswith(b"%PDF")
    assert download["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert {"private", "no-store"} <= set(download["Cache-Control"].replace(" ", "").split(","))
    assert (other_offer.status_code, other_tenant.status_code, other_number.status_code) == (404, 404, 404)
    # and: the allocation email carries the PDF, as a paid booking's confirmation does
    [allocated] = [message for message in mail.outbox if message.to == ["first@example.com"]]
    assert [(name, mimetype) for name, _content, mimetype in allocated.attachments] == [
        (f"{invoice.number}.pdf", "application/pdf")]


def test_a_households_allocation_emails_carry_its_one_invoice_once(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, household_offer):
    from django.core import mail

    offer = household_offer["offer"]
    mail.outbox = []
    with time_machine.travel(CLOCK, tick=False):
        client_for(tenant_alpha).post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    with time_machine.travel(CLOCK + dt.timedelta(minutes=2), tick=False):
        post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
        run_outbox()
    invoice = Invoice.objects.get(payment=payment, kind="invoice")
    family_email = household_offer["family"][0].client.email
    pdfs = [name for message in mail.outbox if message.to == [family_email]
            for name, _content, _mimetype in message.attachments if name.endswith(".pdf")]
    assert pdfs == [f"{invoice.number}.pdf"]
