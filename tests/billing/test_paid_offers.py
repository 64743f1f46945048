"""Priced waitlist offers are paid on acceptance like paid bookings: accepting holds the offered seats as a booking
awaiting payment and sends the client to Stripe Checkout; Stripe's webhook confirms it once; an unpaid hold passes
the seats to the next one waiting; a late payment books if the seats are still free and is refunded otherwise.
Through the offer page, the API, the hold-expiry job and signed webhooks, against localstripe and the stand-in.
Every time is the frozen clock's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection

from allot.outbox.models import OutboxMessage
from billing.models import BookingPayment, Refund, StripeEvent
from billing.services.payments import payment_holds_expire
from booking_core.models import AuditEntry, Booking, Offer, Service, Session, WaitlistEntry
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed
from tests.booking_core.test_api_operator import send
from tests.factories import make_service, make_session
from tests.public_site.waitlist_scene import free_a_seat, join, offer_of
from tests.waitlist.helpers import fill

pytestmark = pytest.mark.django_db

HOLD = dt.timedelta(minutes=15)


@pytest.fixture
def clock(site):
    """Frozen two days before the full session (every step of a test happens at a moment derived from it)."""
    return site.full_session.starts_at - dt.timedelta(days=2)


@pytest.fixture
def offered(tenant_alpha, site, in_tenant, clock):
    """The full paid session (15 EUR a seat): two clients wait for two seats each; a booking of two is cancelled
    and the first one waiting gets the offer (sent at once)."""
    with time_machine.travel(clock, tick=False), in_tenant(tenant_alpha):
        first = join(site.full_session, email="first@example.com", seats=2)
        second = join(site.full_session, email="second@example.com", seats=2)
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(first)
    connection.set_schema_to_public()
    assert offer.status == "sent"
    return {"offer": offer, "first": first, "second": second}


def accept_on_the_page(client_for, tenant, offer, at):
    with time_machine.travel(at, tick=False):
        return client_for(tenant).post(f"/o/{offer.token}/accept/?lang=en")


def seats(tenant, in_tenant, session) -> tuple[int, int]:
    with in_tenant(tenant):
        fresh = Session.objects.get(pk=session.pk)
        return fresh.seats_booked, fresh.seats_held


def test_accepting_a_priced_offer_holds_the_seats_until_the_webhook_confirms_them_once(
        client_for, tenant_alpha, site, in_tenant, connected, stripe_api, post_webhook, offered, clock):
    offer = offered["offer"]
    # when: the client accepts on the offer page, twice (a double click)
    response = accept_on_the_page(client_for, tenant_alpha, offer, clock)
    again = accept_on_the_page(client_for, tenant_alpha, offer, clock + dt.timedelta(seconds=5))
    # then: sent to Stripe Checkout on Alpha's account, for two seats; one payment, one Checkout Session
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert (response.status_code, response["Location"]) == (302, payment.checkout_url)
    assert (again.status_code, again["Location"]) == (302, payment.checkout_url)
    checkout = stripe_api.sessions[payment.checkout_session_id]
    assert checkout["_stripe_account"] == connected.stripe_account_id
    assert (checkout["amount_total"], checkout["currency"]) == (3000, "eur")
    # and: the booking awaits payment until the hold's deadline, holding the offered seats (no longer the offer)
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(pk=payment.booking_id)
        assert (booking.status, booking.source, booking.seats) == ("pending_payment", "waitlist", 2)
        assert booking.payment_due_at == clock + HOLD
        fresh = Offer.objects.select_related("entry").get(pk=offer.pk)
        assert (fresh.status, fresh.booking_id, fresh.entry.status) == ("accepted", booking.pk, "accepted")
        assert not OutboxMessage.objects.filter(event_type="booking.confirmed", payload__booking_id=booking.pk).exists()
    assert seats(tenant_alpha, in_tenant, site.full_session) == (2, 0)
    # and: the offer page and the return page say it is not paid yet
    with time_machine.travel(clock + dt.timedelta(minutes=1), tick=False):
        offer_page = client_for(tenant_alpha).get(f"/o/{offer.token}/?lang=en").content.decode()
        back = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/payment/?lang=en").content.decode()
        status_page = client_for(tenant_alpha).get(f"/w/{offered['first'].token}/?lang=en").content.decode()
    assert 'data-offer-state="awaiting_payment"' in offer_page
    assert 'data-offer-state="awaiting_payment"' in status_page and "Awaiting payment" in status_page
    assert f'href="/b/{booking.manage_token}/payment/?lang=en"' in offer_page
    assert 'data-payment-state="awaiting"' in back

    # when: Stripe's event arrives, and again
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    with time_machine.travel(clock + dt.timedelta(minutes=3), tick=False):
        first, second = post_webhook(event), post_webhook(event)
        run_outbox()
    # then: confirmed once, one confirmation
    assert (first.status_code, second.status_code, second.content) == (200, 200, b"already received")
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "booked")
    with in_tenant(tenant_alpha):
        booking.refresh_from_db()
        assert (booking.status, booking.confirmed_at) == ("confirmed", clock + dt.timedelta(minutes=3))
        assert Offer.objects.get(pk=offer.pk).status == "accepted"
        assert Booking.objects.filter(source="waitlist").count() == 1
    assert seats(tenant_alpha, in_tenant, site.full_session) == (2, 0)
    assert OutboxMessage.objects.filter(event_type="booking.confirmed", payload__booking_id=booking.pk).count() == 1
    with time_machine.travel(clock + dt.timedelta(minutes=4), tick=False):
        page = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/payment/?lang=en").content.decode()
    assert 'data-payment-state="paid"' in page


def test_accepting_by_the_api_answers_with_the_checkout_to_pay(client_for, tenant_alpha, in_tenant, connected,
                                                              stripe_api, offered, clock):
    # when: accepted through the API, twice
    with time_machine.travel(clock, tick=False):
        first = send(client_for(tenant_alpha), "post", f"/api/v1/offers/{offered['offer'].token}/accept/")
        second = send(client_for(tenant_alpha), "post", f"/api/v1/offers/{offered['offer'].token}/accept/")
    # then: the booking awaits payment; the answer carries the one Checkout Session to send the client to
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert first.status_code == second.status_code == 200
    body = first.json()
    assert (body["status"], body["seats"]) == ("pending_payment", 2)
    assert body["payment"]["checkout_url"] == payment.checkout_url == second.json()["payment"]["checkout_url"]
    assert (body["payment"]["amount"], body["payment"]["currency"]) == (3000, "EUR")
    assert body["payment"]["return_url"].endswith(f"/b/{body['manage_token']}/payment/")
    assert dt.datetime.fromisoformat(body["payment"]["due_at"]) == clock + HOLD


def test_an_unpaid_hold_passes_the_seats_to_the_next_one_waiting_and_a_late_payment_is_refunded_once(
        client_for, tenant_alpha, site, in_tenant, connected, stripe_api, post_webhook, offered, clock):
    # given: the first client accepted and went to Checkout, but does not pay in time
    mail.outbox = []
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], clock)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    # when: the hold-expiry job runs a second after the deadline
    with time_machine.travel(clock + HOLD + dt.timedelta(seconds=1), tick=False), in_tenant(tenant_alpha):
        released = payment_holds_expire(tenant=tenant_alpha)
        # then: the booking is released, the offer marked expired (its entry ends), and the seats are offered to
        # the next one waiting through the usual offer logic
        assert released == 1
        booking = Booking.objects.get(pk=payment.booking_id)
        assert (booking.status, booking.cancellation_reason) == ("cancelled", "payment_expired")
        first_offer = Offer.objects.select_related("entry").get(pk=offered["offer"].pk)
        assert (first_offer.status, first_offer.entry.status) == ("expired", "expired")
        assert AuditEntry.objects.filter(action="offer.payment_expired", object_id=str(first_offer.pk)).count() == 1
        next_offer = Offer.objects.get(entry=offered["second"])
        assert (next_offer.status, next_offer.seats) == ("sent", 2)
        assert next_offer.sent_at == clock + HOLD + dt.timedelta(seconds=1)
    connection.set_schema_to_public()
    assert seats(tenant_alpha, in_tenant, site.full_session) == (0, 2)
    with time_machine.travel(clock + HOLD + dt.timedelta(minutes=1), tick=False):
        assert run_outbox().count("billing.checkout_expire: done") == 1
        page = client_for(tenant_alpha).get(f"/o/{offered['offer'].token}/?lang=en").content.decode()
        assert 'data-offer-state="payment_expired"' in page
        # and: accepting again is refused, nothing changes
        refused = client_for(tenant_alpha).post(f"/o/{offered['offer'].token}/accept/?lang=en")
    assert refused.status_code == 409
    assert seats(tenant_alpha, in_tenant, site.full_session) == (0, 2)

    # when: the first client's payment completes anyway (Stripe delivers the event twice)
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    with time_machine.travel(clock + HOLD + dt.timedelta(minutes=2), tick=False):
        post_webhook(event)
        run_outbox()
        post_webhook(event)
        run_outbox()
    # then: no seat for them (it is held for the next one): refunded once, with one email; the offers stay as they are
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "refunded")
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.status, refund.amount, refund.reason) == ("succeeded", 3000, "no_place")
    assert [item["amount"] for item in stripe_api.refunds_of(payment.payment_intent_id)] == [3000]
    emails = [message for message in mail.outbox if message.to == ["first@example.com"]]
    assert [message.subject for message in emails] == ["Your payment for Swimming is being refunded"]
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=payment.booking_id).status == "cancelled"
        assert Offer.objects.get(pk=offered["offer"].pk).status == "expired"
        assert Offer.objects.get(entry=offered["second"]).status == "sent"
    assert seats(tenant_alpha, in_tenant, site.full_session) == (0, 2)


def test_a_late_payment_books_the_offered_seats_when_nobody_else_took_them(
        client_for, tenant_alpha, site, in_tenant, connected, stripe_api, post_webhook, offered, clock):
    # given: the second client left the waitlist, the first client's hold ran out
    with in_tenant(tenant_alpha):
        WaitlistEntry.objects.filter(pk=offered["second"].pk).update(status="removed")
    accept_on_the_page(client_for, tenant_alpha, offered["offer"], clock)
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    with time_machine.travel(clock + HOLD + dt.timedelta(seconds=1), tick=False), in_tenant(tenant_alpha):
        payment_holds_expire(tenant=tenant_alpha)
    connection.set_schema_to_public()
    assert seats(tenant_alpha, in_tenant, site.full_session) == (0, 0)
    # when: the payment completes late
    with time_machine.travel(clock + HOLD + dt.timedelta(minutes=2), tick=False):
        post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
        run_outbox()
    # then: booked late, the offer accepted again
    payment.refresh_from_db()
    assert payment.outcome == "booked_late"
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=payment.booking_id).status == "confirmed"
        fresh = Offer.objects.select_related("entry").get(pk=offered["offer"].pk)
        assert (fresh.status, fresh.entry.status) == ("accepted", "accepted")
    assert seats(tenant_alpha, in_tenant, site.full_session) == (2, 0)
    assert not Refund.objects.exists()


def test_a_free_offer_is_booked_at_once_as_before(client_for, tenant_alpha, in_tenant, connected, stripe_api, clock):
    # given: a free session, full, one client waiting, a seat freed (Alpha takes payments online)
    with time_machine.travel(clock, tick=False), in_tenant(tenant_alpha):
        session = make_session(make_service(Service.Kind.GROUP, price_amount=0, min_notice_minutes=0), capacity=1)
        fill(tenant_alpha, session, [1])
        entry = join(session, email="free@example.com", answers={})
        free_a_seat(tenant_alpha, session)
        offer = offer_of(entry)
    connection.set_schema_to_public()
    # when
    response = accept_on_the_page(client_for, tenant_alpha, offer, clock + dt.timedelta(minutes=1))
    # then: confirmed, no payment
    with in_tenant(tenant_alpha):
        booking = Offer.objects.select_related("booking").get(pk=offer.pk).booking
        assert booking.status == "confirmed"
    assert (response.status_code, response["Location"]) == (302, f"/b/{booking.manage_token}/?done=accepted&lang=en")
    assert not BookingPayment.objects.exists()


def test_when_checkout_cannot_be_opened_the_offer_holds_the_place_again(client_for, tenant_alpha, site, in_tenant,
                                                                       connected, stripe_api, offered, clock):
    # given: Stripe refuses the next Checkout Session
    stripe_api.fail_next_checkout = True
    # when: the client accepts
    response = accept_on_the_page(client_for, tenant_alpha, offered["offer"], clock)
    # then: told to try again; the offer is open and holds the seats again, nothing went to the next one waiting
    assert response.status_code == 503
    assert "The place is still held for you" in response.content.decode()
    with in_tenant(tenant_alpha):
        fresh = Offer.objects.select_related("entry").get(pk=offered["offer"].pk)
        assert (fresh.status, fresh.booking_id, fresh.entry.status, fresh.entry.closed_at) == (
            "sent", None, "offered", None)
        assert Booking.objects.get(source="waitlist").cancellation_reason == "payment_failed"
        assert not Offer.objects.filter(entry=offered["second"]).exists()
    assert seats(tenant_alpha, in_tenant, site.full_session) == (0, 2)
    # when: they try again a minute later
    again = accept_on_the_page(client_for, tenant_alpha, offered["offer"], clock + dt.timedelta(minutes=1))
    # then: a new held booking and its Checkout Session
    payment = BookingPayment.objects.get(tenant=tenant_alpha, status="open")
    assert (again.status_code, again["Location"]) == (302, payment.checkout_url)
    assert seats(tenant_alpha, in_tenant, site.full_session) == (2, 0)
