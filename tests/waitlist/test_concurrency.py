"""Waitlist offers under real concurrency: separate PostgreSQL connections released at the same moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.models import Booking, Offer, Session, WaitlistEntry
from booking_core.services.bookings import booking_cancel, booking_create_group
from booking_core.waitlist.services.offers import offer_accept, offers_expire_due
from tests.booking_core.test_concurrency import race
from tests.factories import OPERATOR, client_details, make_service, make_session
from tests.waitlist.helpers import fill, join, seats_of

pytestmark = pytest.mark.slow


def test_two_seats_freed_at_the_same_moment_go_to_two_different_candidates(committed_db, tenant_alpha, in_tenant):
    # given: a full session of two single seats, three people waiting
    with in_tenant(tenant_alpha):
        session = make_session(capacity=2)
        bookings = fill(tenant_alpha, session, [1, 1])
        waiting = [join(tenant_alpha, session) for _ in range(3)]

    # when: both bookings are cancelled at the same moment
    def attempt(index):
        booking_cancel(tenant=tenant_alpha, booking=Booking.objects.get(pk=bookings[index].pk), actor=OPERATOR,
                       reason="Ill")
        return "cancelled"

    assert race(tenant_alpha, 2, attempt)["cancelled"] == 2
    # then: the first two candidates each hold one seat; the third still waits
    with in_tenant(tenant_alpha):
        offered = sorted(Offer.objects.filter(status="sent").values_list("entry_id", flat=True))
        assert offered == [waiting[0].pk, waiting[1].pk]
        assert WaitlistEntry.objects.get(pk=waiting[2].pk).status == "waiting"
        assert seats_of(session) == {"capacity": 2, "booked": 0, "held": 2, "free": 0}


@pytest.mark.parametrize("round_", range(6))
def test_an_accept_racing_the_expiry_ends_as_a_booking_or_a_passed_on_seat_never_both(committed_db, tenant_alpha,
                                                                                    in_tenant, round_):
    # given: an offer at its deadline, and a second candidate behind it
    with in_tenant(tenant_alpha):
        session = make_session(capacity=1)
        booked = fill(tenant_alpha, session, [1])
        first, second = join(tenant_alpha, session), join(tenant_alpha, session)
        booking_cancel(tenant=tenant_alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=first)
        deadline = offer.expires_at

    # when: the client accepts a moment before the deadline while the expiry job runs a moment after it
    def attempt(index):
        try:
            if index == 0:
                offer_accept(offer=Offer.objects.get(pk=offer.pk), now=deadline - dt.timedelta(milliseconds=1))
                return "accepted"
            return f"expired {offers_expire_due(tenant=connection.tenant, now=deadline + dt.timedelta(milliseconds=1))}"
        except ApplicationError as refused:
            return refused.code

    outcome = race(tenant_alpha, 2, attempt)
    # then: exactly one of the two stories happened, completely
    with in_tenant(tenant_alpha):
        final = Offer.objects.get(pk=offer.pk).status
        if final == "accepted":
            assert outcome["accepted"] == 1 and outcome["expired 0"] == 1
            assert Booking.objects.filter(source="waitlist", client=first.client).count() == 1
            assert not Offer.objects.filter(entry=second).exists()
            assert seats_of(session) == {"capacity": 1, "booked": 1, "held": 0, "free": 0}
        else:
            assert final == "expired"
            assert outcome["offer_closed"] == 1 and outcome["expired 1"] == 1
            assert not Booking.objects.filter(source="waitlist").exists()
            assert Offer.objects.get(entry=second).status == "sent"
            assert seats_of(session) == {"capacity": 1, "booked": 0, "held": 1, "free": 0}


def test_a_seat_held_for_an_offer_is_never_sold_to_someone_else(committed_db, tenant_alpha, in_tenant):
    # given: a full session of 5 seats with two people waiting
    with in_tenant(tenant_alpha):
        session = make_session(make_service(max_seats_per_booking=5), capacity=5)
        bookings = fill(tenant_alpha, session, [1, 1, 3])
        waiting = [join(tenant_alpha, session) for _ in range(2)]

    # when: two bookings are cancelled while 20 clients try to grab a seat
    def attempt(index):
        if index < 2:
            booking_cancel(tenant=tenant_alpha, booking=Booking.objects.get(pk=bookings[index].pk), actor=OPERATOR,
                           reason="Ill")
            return "cancelled"
        booking_create_group(tenant=tenant_alpha, session=Session.objects.select_related("service").get(pk=session.pk),
                             seats=1, client=client_details(), actor=Actor.client(f"grab{index}@example.com"))
        return "booked"

    outcome = race(tenant_alpha, 22, attempt)
    # then: the freed seats went to the waiting clients, never to the crowd
    assert outcome == {"cancelled": 2, "CapacityError": 20}
    with in_tenant(tenant_alpha):
        assert sorted(Offer.objects.filter(status="sent").values_list("entry_id", flat=True)) == [
            entry.pk for entry in waiting]
        assert seats_of(session) == {"capacity": 5, "booked": 3, "held": 2, "free": 0}


def test_two_clicks_on_accept_at_the_same_moment_make_one_booking(committed_db, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        session = make_session(capacity=1)
        booked = fill(tenant_alpha, session, [1])
        entry = join(tenant_alpha, session)
        booking_cancel(tenant=tenant_alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=entry)

    def attempt(index):
        return offer_accept(offer=Offer.objects.get(pk=offer.pk), now=timezone.now()).pk

    outcome = race(tenant_alpha, 4, attempt)
    assert len(outcome) == 1 and sum(outcome.values()) == 4, "every click got the same booking"
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(source="waitlist").count() == 1
        assert seats_of(session) == {"capacity": 1, "booked": 1, "held": 0, "free": 0}
