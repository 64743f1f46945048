"""Paid bookings under real concurrency: separate PostgreSQL connections, real Checkout Sessions (stand-in)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import BookingPayment
from billing.services.payments import booking_payment_start
from booking_core.acting import Actor
from booking_core.models import Booking, Session
from booking_core.services.bookings import booking_create_group
from tests.booking_core.test_concurrency import race
from tests.factories import client_details, make_service, make_session

pytestmark = pytest.mark.slow


def test_fifty_simultaneous_paid_bookings_for_ten_seats_never_hold_more_than_ten(committed_db, tenant_alpha,
                                                                                  in_tenant, connected):
    # given: a paid session with 10 seats
    with in_tenant(tenant_alpha):
        session = make_session(make_service(price_amount=1500), capacity=10)

    # when: 50 clients book and are sent to Checkout at the same moment
    def attempt(index):
        email = f"payer{index}@example.com"
        booking = booking_create_group(tenant=tenant_alpha, session=Session.objects.get(pk=session.pk), seats=1,
                                       client=client_details(email=email), actor=Actor.client(email),
                                       payment_due_at=timezone.now() + dt.timedelta(minutes=15))
        payment = booking_payment_start(tenant=tenant_alpha, booking=booking, success_url="http://x/",
                                        cancel_url="http://x/")
        return "held" if payment.checkout_url else "no checkout"

    outcome = race(tenant_alpha, 50, attempt)
    # then: exactly 10 held, each with its Checkout Session; the other 40 refused; the counter agrees
    assert outcome == {"held": 10, "CapacityError": 40}
    with in_tenant(tenant_alpha):
        held = Booking.objects.filter(session_id=session.pk, status__in=Booking.LIVE_STATUSES)
        assert held.count() == 10
        assert set(held.values_list("status", flat=True)) == {"pending_payment"}
        assert Session.objects.get(pk=session.pk).seats_booked == 10
        booking_ids = set(held.values_list("pk", flat=True))
    payments = BookingPayment.objects.filter(tenant=tenant_alpha)
    assert set(payments.values_list("booking_id", flat=True)) == booking_ids
    assert payments.exclude(checkout_session_id=None).count() == 10


def test_a_place_offers_payment_and_its_hold_expiring_at_once_end_in_exactly_one_outcome(
        committed_db, programmes_month_clock, tenant_alpha, in_tenant):
    """The webhook's worker and the payment-hold job on separate connections, at the same moment after the
    deadline: the participant is allocated, or the offer expires and the payment is refunded; never both, and the
    group never counts more places than it has."""
    from billing.models import Refund
    from billing.services.place_offer_payments import place_offer_payment_advance, place_offer_payment_holds_close
    from booking_core.programmes.models import PlaceOffer, ProgrammeGroup, SignUp
    from booking_core.programmes.services.offers import place_offer_accept
    from booking_core.programmes.services.signups import signup_withdraw
    from tests.programmes.factories import make_group, make_programme, one

    now = timezone.now()
    with in_tenant(tenant_alpha):
        programme = make_programme(offer_validity_hours=24, price_amount=1200)
        group = make_group(programme, 2)
        placed = [one(tenant_alpha, programme), one(tenant_alpha, programme)]
        first, second = one(tenant_alpha, programme), one(tenant_alpha, programme)
        signup_withdraw(tenant=tenant_alpha, signup=placed[0], actor=Actor.system("test"), now=now)
        offer = PlaceOffer.objects.get(programme=programme, status="sent")
        place_offer_accept(offer=offer, now=now, payment_due_at=now + dt.timedelta(minutes=15))
    payment = BookingPayment.objects.create(tenant=tenant_alpha, place_offer_id=offer.pk, amount=1200,
                                            currency="EUR", stripe_account_id="acct_test", status="open",
                                            checkout_session_id="cs_race", checkout_url="http://x/")
    after_deadline = now + dt.timedelta(minutes=15, seconds=1)

    def attempt(index):
        if index == 0:
            return place_offer_payment_advance(payment_id=payment.pk, status="paid", payment_intent_id="pi_race",
                                               now=after_deadline)
        return f"expired {place_offer_payment_holds_close(tenant=tenant_alpha, now=after_deadline)}"

    outcome = race(tenant_alpha, 2, attempt)
    payment.refresh_from_db()
    with in_tenant(tenant_alpha):
        offer.refresh_from_db()
        places_taken = ProgrammeGroup.objects.get(pk=group.pk).places_taken
        allocated = SignUp.objects.filter(programme=programme, status="allocated").count()
        first_status = SignUp.objects.get(pk=first.pk).status
        second_offer = SignUp.objects.get(pk=second.pk).offer_id
    if outcome["expired 0"]:  # the payment came first: allocated
        assert (payment.outcome, offer.status, first_status) == ("booked", "accepted", "allocated")
        assert not Refund.objects.filter(payment=payment).exists() and second_offer is None
    else:  # the hold expired first: the place went to the second participant, the payment is refunded
        assert outcome["expired 1"] == 1
        assert (payment.outcome, offer.status, first_status) == ("refunded", "expired", "not_allocated")
        assert Refund.objects.filter(payment=payment).count() == 1 and second_offer is not None
    assert places_taken == 2 and allocated == (2 if first_status == "allocated" else 1)
