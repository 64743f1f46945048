"""A household's priced place offer awaiting payment cannot shrink: its Checkout Session's amount is fixed for all the
offered places, so one member withdrawing would have the rest pay for a place no longer theirs. The withdrawal is
refused (page and API, nothing changed); after the payment, one of them leaves as any allocated participant does.
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
from tests.booking_core.test_api_operator import send
from tests.programmes.factories import make_group, make_programme, one, sign_up

pytestmark = pytest.mark.django_db

CLOCK = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


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
