"""Paid bookings: held while the client pays on Stripe Checkout, confirmed once by Stripe's webhook, released
when the hold runs out, refunded when a late payment finds no place. Against localstripe and the stand-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from allot.outbox.models import OutboxMessage
from billing.models import BookingPayment, Refund, StripeEvent
from billing.money import AmountError
from billing.services.payments import booking_payment_start
from billing.services.payments import payment_holds_expire as booking_payment_holds_expire
from booking_core.acting import Actor
from booking_core.models import Booking, Offer, Service, Session, SlotClaim
from booking_core.services.bookings import booking_create_group, booking_create_individual
from tests.billing.conftest import run_outbox
from tests.billing.helpers import RETURN_URL, completed, held_booking, paid_session, status_of
from tests.factories import client_details, make_service, make_session, make_staff, next_local
from tests.support.stripe_servers import stripe_event
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db


def book_on_the_site(client_for, tenant, site, seats=2):
    """The client books the swimming session on the booking site (confirm step) and is sent on."""
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats={seats}&lang=en"
    return client_for(tenant).post(path, {"name": "Jonas Weber", "email": "jonas@example.de",
                                          "answer_child_name": "Mia", "idempotency_key": "paid-key",
                                          "step": "confirm"})


def test_a_paid_booking_is_held_then_confirmed_exactly_once_by_the_webhook(client_for, tenant_alpha, site,
                                                                           connected, stripe_api, post_webhook):
    # when: the client books two seats of a paid session
    response = book_on_the_site(client_for, tenant_alpha, site)
    # then: they are sent to Stripe Checkout, created on the organisation's account, and the seats are held
    payment = BookingPayment.objects.get(tenant=tenant_alpha)
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_url
    checkout = stripe_api.sessions[payment.checkout_session_id]
    assert checkout["_stripe_account"] == connected.stripe_account_id
    assert (checkout["amount_total"], checkout["currency"]) == (3000, "eur")
    assert (payment.amount, payment.currency, payment.status) == (3000, "EUR", "open")
    with tenant_context(tenant_alpha):
        booking = Booking.objects.get(pk=payment.booking_id)
        assert booking.status == "pending_payment"
        assert Session.objects.get(pk=site.open_session.pk).seats_booked == 2
        assert not OutboxMessage.objects.filter(event_type="booking.confirmed", payload__booking_id=booking.pk).exists()
    # and: back from Stripe before its word arrived, the page does not pretend it is paid
    back = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/payment/?lang=en")
    assert 'data-payment-state="awaiting"' in back.content.decode()

    # when: Stripe's event arrives, and arrives again (Stripe retries; an attacker replays)
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    first, second = post_webhook(event), post_webhook(event)
    run_outbox()
    # then: confirmed once, one confirmation email, one stored event
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"already received"
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert OutboxMessage.objects.filter(idempotency_key=f"stripe-event:{event['id']}").count() == 1
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "booked")
    assert payment.payment_intent_id == checkout["payment_intent"]
    assert status_of(tenant_alpha, booking) == "confirmed"
    assert OutboxMessage.objects.filter(event_type="booking.confirmed",
                                        payload__booking_id=booking.pk).count() == 1
    page = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/payment/?lang=en").content.decode()
    assert 'data-payment-state="paid"' in page


def test_an_older_event_arriving_after_a_newer_one_changes_nothing(tenant_alpha, connected, stripe_api,
                                                                    post_webhook):
    # given: a held booking, paid
    session = paid_session(tenant_alpha, capacity=3)
    booking, payment = held_booking(tenant_alpha, session)
    paid = completed(stripe_api, payment, account=connected.stripe_account_id, created=2_000_000_100)
    # when: the newer "completed" is delivered first, then the session's older "expired" event
    expired = stripe_event("checkout.session.expired", {**stripe_api.sessions[payment.checkout_session_id],
                                                       "status": "expired", "payment_status": "unpaid"},
                           account=connected.stripe_account_id, created=2_000_000_000)
    assert post_webhook(paid).status_code == 200
    run_outbox()
    assert post_webhook(expired).status_code == 200
    run_outbox()
    # then: still paid and booked; the late event is recorded as stale
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "booked")
    assert status_of(tenant_alpha, booking) == "confirmed"
    assert StripeEvent.objects.get(event_id=expired["id"]).result == "stale: paid stays"


def test_an_async_success_before_the_unpaid_completion_stays_paid(tenant_alpha, connected, stripe_api, post_webhook):
    # given: a delayed payment method: completion says unpaid, a later event says it succeeded
    session = paid_session(tenant_alpha, capacity=3)
    booking, payment = held_booking(tenant_alpha, session)
    checkout = stripe_api.pay(payment.checkout_session_id)
    unpaid = stripe_event("checkout.session.completed", {**checkout, "payment_status": "unpaid"},
                          account=connected.stripe_account_id, created=2_000_000_000)
    succeeded = stripe_event("checkout.session.async_payment_succeeded", checkout,
                             account=connected.stripe_account_id, created=2_000_000_050)
    # when: they arrive the other way round
    post_webhook(succeeded)
    run_outbox()
    post_webhook(unpaid)
    run_outbox()
    # then
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert status_of(tenant_alpha, booking) == "confirmed"


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "wrong-secret"])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(tenant_alpha, connected, stripe_api,
                                                                    post_webhook, signature):
    # given: a held booking and a genuine-looking event about it
    session = paid_session(tenant_alpha, capacity=3)
    booking, payment = held_booking(tenant_alpha, session)
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    outbox_before = OutboxMessage.objects.count()
    # when
    if signature == "wrong-secret":
        response = post_webhook(event, secret="whsec_someone_else")
    else:
        response = post_webhook(event, signature=signature)
    # then
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    assert OutboxMessage.objects.count() == outbox_before
    payment.refresh_from_db()
    assert payment.status == "open"
    assert status_of(tenant_alpha, booking) == "pending_payment"


def test_an_expired_hold_frees_the_seat_and_hands_it_to_the_waitlist(tenant_alpha, connected, stripe_api):
    # given: the last seat held for a paying client, and someone waiting for it
    session = paid_session(tenant_alpha, capacity=1)
    now = session.starts_at - dt.timedelta(days=2)
    booking, payment = held_booking(tenant_alpha, session, now=now)
    with tenant_context(tenant_alpha):
        entry = join(tenant_alpha, session)
        assert Session.objects.get(pk=session.pk).seats_free == 0
        # when: the hold runs out unpaid (the job runs a second after the deadline)
        released = booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=15, seconds=1))
        # then: released, and the seat is now held by an offer to the one waiting
        assert released == 1
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by, booking.cancellation_reason) == (
            "cancelled", "payment", "payment_expired")
        offer = Offer.objects.get(entry=entry)
        assert (offer.session_id, offer.seats) == (session.pk, 1)
        assert Session.objects.get(pk=session.pk).seats_booked == 0
        # and: a second run finds nothing to do
        assert booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=20)) == 0
    # and: the Checkout Session is closed at Stripe, so the client can no longer pay for the lost place
    assert run_outbox().count("billing.checkout_expire: done") == 1
    assert stripe_api.sessions[payment.checkout_session_id]["status"] == "expired"


def test_a_hold_not_yet_due_is_kept(tenant_alpha, connected, stripe_api):
    session = paid_session(tenant_alpha, capacity=1)
    now = session.starts_at - dt.timedelta(days=2)
    booking, _payment = held_booking(tenant_alpha, session, now=now)
    with tenant_context(tenant_alpha):
        assert booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=14)) == 0
        assert Booking.objects.get(pk=booking.pk).status == "pending_payment"


def test_a_late_payment_books_the_seat_when_it_is_still_free(tenant_alpha, connected, stripe_api, post_webhook):
    # given: a hold that ran out, nobody took the seat
    session = paid_session(tenant_alpha, capacity=1)
    now = session.starts_at - dt.timedelta(days=2)
    booking, payment = held_booking(tenant_alpha, session, now=now)
    with tenant_context(tenant_alpha):
        booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=16))
    # when: the payment completes anyway
    post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
    run_outbox()
    # then
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "booked_late")
    assert status_of(tenant_alpha, booking) == "confirmed"
    with tenant_context(tenant_alpha):
        assert Session.objects.get(pk=session.pk).seats_booked == 1
    assert not Refund.objects.exists()


def test_a_late_payment_without_a_place_is_refunded_once_with_an_email(tenant_alpha, connected, stripe_api,
                                                                        post_webhook, client_for):
    # given: a hold that ran out, and the seat booked by someone else since
    mail.outbox = []
    session = paid_session(tenant_alpha, capacity=1, name_en="Aqua fit")
    now = session.starts_at - dt.timedelta(days=2)
    booking, payment = held_booking(tenant_alpha, session, now=now, email="late@example.com")
    with tenant_context(tenant_alpha):
        booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=16))
        fill(tenant_alpha, session, [1])
    # when: the payment completes, and Stripe delivers the event twice
    event = completed(stripe_api, payment, account=connected.stripe_account_id)
    post_webhook(event)
    run_outbox()
    post_webhook(event)
    run_outbox()
    # then: the booking stays cancelled, one refund went to Stripe (localstripe has exactly one), one email
    payment.refresh_from_db()
    assert (payment.status, payment.outcome) == ("paid", "refunded")
    assert status_of(tenant_alpha, booking) == "cancelled"
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.status, refund.amount, refund.currency, refund.reason) == ("succeeded", 1500, "EUR", "no_place")
    issued = stripe_api.refunds_of(payment.payment_intent_id)
    assert [(item["id"], item["amount"]) for item in issued] == [(refund.stripe_refund_id, 1500)]
    emails = [message for message in mail.outbox if message.to == ["late@example.com"]]
    assert [message.subject for message in emails] == ["Your payment for Aqua fit is being refunded"]
    page = client_for(tenant_alpha).get(f"/b/{booking.manage_token}/payment/?lang=en").content.decode()
    assert 'data-payment-state="refunded"' in page


def test_stripe_refusing_the_checkout_releases_the_hold_at_once(client_for, tenant_alpha, site, connected,
                                                                 stripe_api):
    # given: Stripe refuses the next Checkout Session
    stripe_api.fail_next_checkout = True
    # when
    response = book_on_the_site(client_for, tenant_alpha, site)
    # then: the client is told, and the seats are not kept
    assert response.status_code == 503
    assert 'data-payment-state="failed"' in response.content.decode()
    with tenant_context(tenant_alpha):
        [booking] = Booking.objects.filter(client__email="jonas@example.de")
        assert (booking.status, booking.cancellation_reason) == ("cancelled", "payment_failed")
        assert Session.objects.get(pk=site.open_session.pk).seats_booked == 0
    assert BookingPayment.objects.get(tenant=tenant_alpha).status == "failed"


def test_a_paid_service_cannot_be_booked_online_without_a_connected_account(client_for, tenant_alpha, site,
                                                                            stripe_api):
    # given: the platform takes payments, Alpha has no Stripe account yet
    # when
    response = book_on_the_site(client_for, tenant_alpha, site)
    # then
    assert response.status_code == 400
    assert "does not take online payments yet" in response.content.decode()
    with tenant_context(tenant_alpha):
        assert not Booking.objects.filter(client__email="jonas@example.de").exists()


def test_free_services_and_platforms_without_stripe_book_as_before(client_for, tenant_alpha, site):
    # given: no Stripe key on the platform (the default)
    response = book_on_the_site(client_for, tenant_alpha, site)
    # then: booked and confirmed at once, no payment
    assert response.status_code == 302
    assert "/done/" in response["Location"]
    assert not BookingPayment.objects.exists()


def test_an_event_from_another_connected_account_cannot_confirm_a_payment(tenant_alpha, connected, stripe_api,
                                                                          post_webhook):
    # given: a held booking paid into Alpha's account
    session = paid_session(tenant_alpha, capacity=1)
    booking, payment = held_booking(tenant_alpha, session)
    checkout = stripe_api.pay(payment.checkout_session_id)
    # when: an event naming the session arrives from some other connected account
    post_webhook(stripe_event("checkout.session.completed", checkout, account="acct_someone_else"))
    run_outbox()
    # then: ignored
    payment.refresh_from_db()
    assert payment.status == "open"
    assert status_of(tenant_alpha, booking) == "pending_payment"
    assert StripeEvent.objects.get().status == "ignored"


def test_a_paid_appointment_is_held_by_its_slot_and_retaken_by_a_late_payment(tenant_alpha, connected, stripe_api,
                                                                                post_webhook):
    # given: an appointment awaiting payment, whose hold ran out
    with tenant_context(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, price_amount=4000)
        staff = make_staff(service)
        starts_at = next_local(tenant_alpha.zone, weekday=2, hour=10)
        now = starts_at - dt.timedelta(days=2)
        booking = booking_create_individual(tenant=tenant_alpha, service=service, staff=staff, starts_at=starts_at,
                                            client=client_details(email="massage@example.com"),
                                            actor=Actor.client("massage@example.com"),
                                            payment_due_at=now + dt.timedelta(minutes=15), now=now)
        assert booking.status == "pending_payment"
        assert SlotClaim.objects.filter(booking=booking).exists()
        payment = booking_payment_start(tenant=tenant_alpha, booking=booking, success_url=RETURN_URL,
                                        cancel_url=RETURN_URL, now=now)
        booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=16))
        assert not SlotClaim.objects.filter(booking=booking).exists()
    # when: the payment completes anyway, the slot still free
    post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
    run_outbox()
    # then: booked again, its slot claimed again
    payment.refresh_from_db()
    assert (payment.amount, payment.outcome) == (4000, "booked_late")
    with tenant_context(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"
        assert SlotClaim.objects.filter(booking=booking).exists()


def test_a_price_stripe_cannot_charge_releases_the_hold_and_says_why(tenant_alpha, connected, stripe_api):
    # given: a price in HUF with fillér (Stripe takes HUF in whole forints only)
    with tenant_context(tenant_alpha):
        session = make_session(make_service(price_amount=150050, price_currency="HUF"), capacity=1)
        now = session.starts_at - dt.timedelta(days=2)
        booking = booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                                       actor=Actor.client("x@example.com"),
                                       payment_due_at=now + dt.timedelta(minutes=15), now=now)
        # when / then
        with pytest.raises(AmountError):
            booking_payment_start(tenant=tenant_alpha, booking=booking, success_url=RETURN_URL,
                                  cancel_url=RETURN_URL, now=now)
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        assert Session.objects.get(pk=session.pk).seats_free == 1
