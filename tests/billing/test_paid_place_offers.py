"""Priced programme place offers are paid on acceptance like paid bookings: accepting keeps the offered places held
(status awaiting_payment, until the hold's deadline) and sends the participant to Stripe Checkout; Stripe's webhook
allocates them once; an unpaid hold passes the places to the next one waiting; a late payment is allocated if the
places are still free and refunded otherwise. Through the offer page, the API, the hold-expiry job and signed
webhooks, against localstripe and the stand-in. Every time is the frozen clock's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection

from billing import jobs
from billing.invoicing.models import Invoice
from billing.models import BookingPayment, Refund, StripeEvent
from booking_core.acting import Actor
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, ProgrammeGroup, SignUp
from booking_core.programmes.services.signups import signup_withdraw
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed
from tests.booking_core.test_api_operator import send
from tests.programmes.factories import make_group, make_programme, one, person
from tests.support.stripe_servers import stripe_event

pytestmark = pytest.mark.django_db

CLOCK = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
HOLD = dt.timedelta(minutes=15)


def scene(tenant, *, price: int):
    """A programme (12 EUR or `price`), one group of two places, both taken; two wait; one placed participant
    withdraws and the first one waiting is sent the offer."""
    programme = make_programme(offer_validity_hours=24, price_amount=price)
    group = make_group(programme, 2)
    placed = [one(tenant, programme), one(tenant, programme)]
    first = one(tenant, programme, who=person(email="first@example.com"))
    second = one(tenant, programme, who=person(email="second@example.com"))
    signup_withdraw(tenant=tenant, signup=placed[0], actor=Actor.client("x@example.com"))
    offer = PlaceOffer.objects.get(programme=programme, status="sent")
    assert SignUp.objects.get(pk=first.pk).offer_id == offer.pk
    return {"programme": programme, "group": group, "offer": offer, "first": first, "second": second}


@pytest.fixture
def offered(tenant_alpha, in_tenant):
    with time_machine.travel(CLOCK, tick=False), in_tenant(tenant_alpha):
        built = scene(tenant_alpha, price=1200)
    connection.set_schema_to_public()
    return built


def accept_on_the_page(client_for, tenant, offer, at):
    with time_machine.travel(at, tick=False):
        return client_for(tenant).post(f"/programmes/offers/{offer.token}/accept/?lang=en")


def page(client_for, tenant, path, at) -> str:
    with time_machine.travel(at, tick=False):
        return client_for(tenant).get(f"{path}?lang=en").content.decode()


def state(tenant, in_tenant, offered) -> dict:
    with in_tenant(tenant):
        offer = PlaceOffer.objects.get(pk=offered["offer"].pk)
        return {"offer": offer.status, "first": SignUp.objects.get(pk=offered["first"].pk).status,
                "places_taken": ProgrammeGroup.objects.get(pk=offered["group"].pk).places_taken,
                "payment_due_at": offer.payment_due_at}


def test_accepting_holds_the_places_until_the_webhook_allocates_them_once(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, offered):
    offer = offered["offer"]
    # when: accepted on the offer page, twice (a double click)
    response = accept_on_the_page(client_for, tenant_alpha, offer, CLOCK)
    again = accept_on_the_page(client_for, tenant_alpha, offer, CLOCK + dt.timedelta(seconds=5))
    # then: sent to Checkout on Alpha's account for the programme's price; one payment, one session
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert (payment.place_offer_id, payment.booking_id, payment.amount) == (offer.pk, None, 1200)
    assert (response.status_code, response["Location"]) == (302, payment.checkout_url)
    assert (again.status_code, again["Location"]) == (302, payment.checkout_url)
    checkout = stripe_api.sessions[payment.checkout_session_id]
    assert checkout["_stripe_account"] == connected.stripe_account_id
    assert (checkout["amount_total"], checkout["currency"]) == (1200, "eur")
    # and: the offer awaits payment, still holding its place; the participant is not allocated yet
    assert state(tenant_alpha, in_tenant, offered) == {"offer": "awaiting_payment", "first": "waitlisted",
                                                       "places_taken": 2, "payment_due_at": CLOCK + HOLD}
    offer_page = page(client_for, tenant_alpha, f"/programmes/offers/{offer.token}/", CLOCK + dt.timedelta(minutes=1))
    assert 'data-offer-state="awaiting_payment"' in offer_page
    assert f'href="/programmes/offers/{offer.token}/payment/?lang=en"' in offer_page
    back = page(client_for, tenant_alpha, f"/programmes/offers/{offer.token}/payment/", CLOCK + dt.timedelta(minutes=1))
    assert 'data-payment-state="awaiting"' in back
    status_page = page(client_for, tenant_alpha, f"/programmes/signups/{offered['first'].token}/",
                       CLOCK + dt.timedelta(minutes=1))
    assert 'data-offer-state="awaiting_payment"' in status_page
    assert f'href="/programmes/offers/{offer.token}/payment/?lang=en"' in status_page
    # and: the payment-hold job is due at the deadline
    with in_tenant(tenant_alpha):
        assert jobs.payment_holds_next_due(CLOCK) == CLOCK + HOLD

    # when: Stripe's event arrives, and again
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    with time_machine.travel(CLOCK + dt.timedelta(minutes=3), tick=False):
        first, second = post_webhook(event), post_webhook(event)
        run_outbox()
    # then: allocated once
    assert (first.status_code, second.status_code, second.content) == (200, 200, b"already received")
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "booked")
    now_state = state(tenant_alpha, in_tenant, offered)
    assert (now_state["offer"], now_state["first"], now_state["places_taken"]) == ("accepted", "allocated", 2)
    with in_tenant(tenant_alpha):
        assert AllocationLogEntry.objects.filter(signup_id=offered["first"].pk, decision="offer_accepted").count() == 1
    # and: invoiced once: the programme and its period
    [invoice] = Invoice.objects.filter(payment=payment)
    line = invoice.lines.get()
    assert line.description.startswith(offered["programme"].name_en)
    assert "(2026-12-01 – 2026-12-31)" in line.description
    assert (invoice.gross_total, invoice.buyer_email, invoice.booking_id) == (1200, "first@example.com", None)
    back = page(client_for, tenant_alpha, f"/programmes/offers/{offer.token}/payment/", CLOCK + dt.timedelta(minutes=4))
    assert 'data-payment-state="paid"' in back


def test_accepting_by_the_api_answers_with_the_checkout_to_pay(client_for, tenant_alpha, connected, stripe_api,
                                                              offered):
    token = offered["offer"].token
    with time_machine.travel(CLOCK, tick=False):
        first = send(client_for(tenant_alpha), "post", f"/api/v1/programmes/offers/{token}/accept/")
        second = send(client_for(tenant_alpha), "post", f"/api/v1/programmes/offers/{token}/accept/")
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert first.status_code == second.status_code == 200
    body = first.json()
    assert body["status"] == "awaiting_payment"
    assert body["payment"]["checkout_url"] == payment.checkout_url == second.json()["payment"]["checkout_url"]
    assert (body["payment"]["amount"], body["payment"]["currency"]) == (1200, "EUR")
    assert body["payment"]["return_url"].endswith(f"/programmes/offers/{token}/payment/")
    assert dt.datetime.fromisoformat(body["payment"]["due_at"]) == CLOCK + HOLD


def test_an_unpaid_hold_passes_the_place_on_and_a_late_payment_is_refunded_once(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, offered):
    # given: accepted, sent to Checkout, not paid in time
    mail.outbox = []
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    # when: the payment-hold job runs a second after the deadline
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(seconds=1), tick=False), in_tenant(tenant_alpha):
        assert jobs.payment_holds_expire() == 1
        # then: the offer closes as an unanswered one does; the place goes to the next one waiting
        second_signup = SignUp.objects.get(pk=offered["second"].pk)
        next_offer = PlaceOffer.objects.get(pk=second_signup.offer_id)
        assert (next_offer.status, next_offer.sent_at) == ("sent", CLOCK + HOLD + dt.timedelta(seconds=1))
        assert jobs.payment_holds_next_due(CLOCK) is None
    connection.set_schema_to_public()
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"]) == ("expired", "not_allocated", 2)
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(minutes=1), tick=False):
        assert run_outbox().count("billing.checkout_expire: done") == 1
    offer_page = page(client_for, tenant_alpha, f"/programmes/offers/{offered['offer'].token}/",
                      CLOCK + HOLD + dt.timedelta(minutes=1))
    assert 'data-offer-state="payment_expired"' in offer_page

    # when: the payment completes anyway (Stripe delivers the event twice)
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(minutes=2), tick=False):
        post_webhook(event)
        run_outbox()
        post_webhook(event)
        run_outbox()
    # then: no place left (held for the next one): refunded once, one email; nothing else changes
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "refunded")
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.status, refund.amount, refund.reason) == ("succeeded", 1200, "no_place")
    assert [item["amount"] for item in stripe_api.refunds_of(payment.payment_intent_id)] == [1200]
    emails = [message for message in mail.outbox if message.to == ["first@example.com"]
              and "refunded" in message.subject]
    assert [message.subject for message in emails] == [
        f"Your payment for {offered['programme'].name_en} is being refunded"]
    assert Invoice.objects.filter(payment=payment).count() == 2  # the invoice and its credit note
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"]) == ("expired", "not_allocated", 2)
    back = page(client_for, tenant_alpha, f"/programmes/offers/{offered['offer'].token}/payment/",
                CLOCK + HOLD + dt.timedelta(minutes=3))
    assert 'data-payment-state="refunded"' in back


def test_a_late_payment_is_allocated_when_the_place_is_still_free(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, offered):
    # given: nobody else waits any more; the first participant's hold runs out
    with time_machine.travel(CLOCK, tick=False), in_tenant(tenant_alpha):
        signup_withdraw(tenant=tenant_alpha, signup=SignUp.objects.get(pk=offered["second"].pk),
                        actor=Actor.client("second@example.com"))
    connection.set_schema_to_public()
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(seconds=1), tick=False), in_tenant(tenant_alpha):
        jobs.payment_holds_expire()
    connection.set_schema_to_public()
    assert state(tenant_alpha, in_tenant, offered)["places_taken"] == 1
    # when: the payment completes late
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(minutes=2), tick=False):
        post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
        run_outbox()
    # then: allocated late, the offer accepted again, no refund
    payment.refresh_from_db()
    assert payment.outcome == "booked_late"
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"]) == ("accepted", "allocated", 2)
    assert not Refund.objects.exists()


def test_a_free_programmes_offer_is_allocated_at_once_as_before(client_for, tenant_alpha, in_tenant, connected,
                                                                stripe_api):
    with time_machine.travel(CLOCK, tick=False), in_tenant(tenant_alpha):
        built = scene(tenant_alpha, price=0)
    connection.set_schema_to_public()
    response = accept_on_the_page(client_for, tenant_alpha, built["offer"], CLOCK + dt.timedelta(minutes=1))
    assert response.status_code == 302
    assert f"/programmes/signups/{built['first'].token}/" in response["Location"]
    after = state(tenant_alpha, in_tenant, built)
    assert (after["offer"], after["first"], after["places_taken"]) == ("accepted", "allocated", 2)
    assert not BookingPayment.objects.exists()


def test_when_checkout_cannot_be_opened_the_offer_is_open_again(client_for, tenant_alpha, in_tenant, connected,
                                                               stripe_api, offered):
    stripe_api.fail_next_checkout = True
    response = accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    assert response.status_code == 503
    assert "The place is still held for you" in response.content.decode()
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"], after["payment_due_at"]) == (
        "sent", "waitlisted", 2, None)
    # when: they try again a minute later: a new payment and its Checkout Session
    again = accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK + dt.timedelta(minutes=1))
    payment = BookingPayment.objects.get(tenant=tenant_alpha, status="open")
    assert (again.status_code, again["Location"]) == (302, payment.checkout_url)
    assert BookingPayment.objects.filter(tenant=tenant_alpha, status="failed").count() == 1
    assert state(tenant_alpha, in_tenant, offered)["offer"] == "awaiting_payment"


def test_an_offer_awaiting_payment_is_skipped_when_another_place_frees_up(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, offered):
    # given: the first participant accepted and is paying
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    # when: the other placed participant withdraws
    with time_machine.travel(CLOCK + dt.timedelta(minutes=2), tick=False), in_tenant(tenant_alpha):
        placed = SignUp.objects.get(programme=offered["programme"], status="allocated")
        signup_withdraw(tenant=tenant_alpha, signup=placed, actor=Actor.client("x@example.com"))
        # then: the freed place goes to the second one waiting; the first one's offer still awaits its payment
        second = SignUp.objects.get(pk=offered["second"].pk)
        assert PlaceOffer.objects.get(pk=second.offer_id).status == "sent"
        assert PlaceOffer.objects.filter(programme=offered["programme"]).count() == 2
    connection.set_schema_to_public()
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"]) == ("awaiting_payment", "waitlisted", 2)


def test_a_failed_payment_closes_the_offer_and_passes_the_place_on_and_an_older_event_changes_nothing(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, post_webhook, offered):
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    session = stripe_api.sessions[payment.checkout_session_id]
    failed = stripe_event("checkout.session.async_payment_failed", {**session, "payment_status": "unpaid"},
                          account=connected.stripe_account_id, created=2_000_000_100)
    older = stripe_event("checkout.session.completed", {**session, "payment_status": "unpaid"},
                         account=connected.stripe_account_id, created=2_000_000_000)
    # when: Stripe says the payment failed, then an older "completed, unpaid" event arrives
    with time_machine.travel(CLOCK + dt.timedelta(minutes=5), tick=False):
        assert post_webhook(failed).status_code == 200
        run_outbox()
        assert post_webhook(older).status_code == 200
        run_outbox()
    # then: the offer closed as unanswered, its place offered to the next one waiting; the older event is stale
    payment.refresh_from_db()
    assert payment.status == "failed"
    after = state(tenant_alpha, in_tenant, offered)
    assert (after["offer"], after["first"], after["places_taken"]) == ("expired", "not_allocated", 2)
    with in_tenant(tenant_alpha):
        second = SignUp.objects.get(pk=offered["second"].pk)
        assert PlaceOffer.objects.get(pk=second.offer_id).status == "sent"
    assert StripeEvent.objects.get(event_id=older["id"]).result.startswith("stale")


def test_withdrawing_while_the_offer_awaits_payment_passes_the_place_on_and_closes_the_checkout(
        client_for, tenant_alpha, in_tenant, connected, stripe_api, offered):
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], CLOCK)
    # when: the participant withdraws before paying
    with time_machine.travel(CLOCK + dt.timedelta(minutes=2), tick=False), in_tenant(tenant_alpha):
        signup_withdraw(tenant=tenant_alpha, signup=SignUp.objects.get(pk=offered["first"].pk),
                        actor=Actor.client("first@example.com"))
        # then: the offer is withdrawn and its place offered to the next one waiting
        assert PlaceOffer.objects.get(pk=offered["offer"].pk).status == "withdrawn"
        assert PlaceOffer.objects.get(pk=SignUp.objects.get(pk=offered["second"].pk).offer_id).status == "sent"
    connection.set_schema_to_public()
    # and: the payment-hold job (due at the old deadline) closes the Checkout Session, so it cannot be paid
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(seconds=1), tick=False), in_tenant(tenant_alpha):
        assert jobs.payment_holds_expire() == 0
    connection.set_schema_to_public()
    with time_machine.travel(CLOCK + HOLD + dt.timedelta(minutes=1), tick=False):
        assert run_outbox().count("billing.checkout_expire: done") == 1
    assert state(tenant_alpha, in_tenant, offered)["places_taken"] == 2
