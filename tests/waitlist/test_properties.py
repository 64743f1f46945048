"""Properties of the waitlist: the ranking, and the seat accounting under any sequence of events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.models import Booking, Offer, Service, Session
from booking_core.services.bookings import booking_cancel, booking_create_group
from booking_core.services.sessions import session_change_capacity
from booking_core.waitlist.selectors.ranking import Candidate, rank, ranking_key
from booking_core.waitlist.services.entries import waitlist_entry_remove
from booking_core.waitlist.services.offers import (
    offer_accept,
    offer_decline,
    offer_release,
    offer_skip,
    offer_withdraw,
    offers_expire_due,
)
from tests.factories import OPERATOR, client_details, make_service, make_session
from tests.waitlist.helpers import join

BASE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)

candidates = st.lists(
    st.builds(
        Candidate,
        entry_id=st.integers(1, 10_000),
        priority=st.integers(-3, 3),
        joined_at=st.integers(0, 50).map(lambda minutes: BASE + dt.timedelta(minutes=minutes)),
        seats_wanted=st.integers(1, 4),
        status=st.sampled_from(["waiting", "waiting", "waiting", "offer_prepared", "offered"]),
    ),
    max_size=25,
    unique_by=lambda candidate: candidate.entry_id,
)


@given(candidates, st.integers(0, 12))
def test_ranking_is_priority_then_time_and_gives_seats_greedily_without_moving_anyone(entries, free):
    ranked = rank(entries, free)
    # positions follow priority, then time of joining, then id; they do not depend on the free seats
    assert [item.candidate for item in ranked] == sorted(entries, key=ranking_key)
    assert [item.position for item in ranked] == list(range(1, len(entries) + 1))
    assert [item.position for item in rank(entries, 0)] == [item.position for item in ranked]
    # only waiting candidates get seats, never more than are free
    given_out = [item.candidate for item in ranked if item.gets_seats]
    assert all(candidate.status == "waiting" for candidate in given_out)
    assert sum(candidate.seats_wanted for candidate in given_out) <= free
    # a waiting candidate is passed over only when the seats left at its turn are too few
    left = free
    for item in ranked:
        if item.candidate.status != "waiting":
            continue
        fits = item.candidate.seats_wanted <= left
        assert item.gets_seats == fits
        if fits:
            left -= item.candidate.seats_wanted


operations = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("join"), st.integers(1, 3)),
        st.tuples(st.just("accept"), st.integers(0, 20)),
        st.tuples(st.just("decline"), st.integers(0, 20)),
        st.tuples(st.just("expire"), st.integers(0, 20)),
        st.tuples(st.just("release"), st.integers(0, 20)),
        st.tuples(st.just("skip"), st.integers(0, 20)),
        st.tuples(st.just("withdraw"), st.integers(0, 20)),
        st.tuples(st.just("leave"), st.integers(0, 20)),
        st.tuples(st.just("capacity"), st.integers(1, 10)),
        st.tuples(st.just("auto_send"), st.booleans()),
    ),
    min_size=1,
    max_size=25,
)


class Rollback(Exception):
    pass


def _pick(queryset, index):
    items = list(queryset.order_by("pk"))
    return items[index % len(items)] if items else None


def _apply(tenant, session: Session, operation) -> None:
    name, argument = operation
    fresh = Session.objects.select_related("service").get(pk=session.pk)
    if name == "book":
        booking_create_group(tenant=tenant, session=fresh, seats=argument, client=client_details(),
                             actor=Actor.client("someone@example.com"))
    elif name == "cancel":
        booking = _pick(Booking.objects.filter(session=session, status__in=Booking.LIVE_STATUSES), argument)
        if booking:
            booking_cancel(tenant=tenant, booking=booking, actor=OPERATOR, reason="Ill")
    elif name == "join":
        join(tenant, fresh, seats=argument)
    elif name == "capacity":
        session_change_capacity(session=fresh, capacity=argument, actor=OPERATOR)
    elif name == "auto_send":
        Service.objects.filter(pk=session.service_id).update(
            offer_auto_send=Service.OfferRelease.ON if argument else Service.OfferRelease.OFF)
    elif name == "leave":
        entry = _pick(session.waitlist_entries.filter(status__in=["waiting", "offer_prepared", "offered"]), argument)
        if entry:
            waitlist_entry_remove(entry=entry, actor=OPERATOR)
    else:
        offer = _pick(Offer.objects.filter(session=session, status__in=Offer.OPEN_STATUSES), argument)
        if offer is None:
            return
        if name == "expire":
            offers_expire_due(tenant=connection.tenant,
                              now=offer.expires_at + dt.timedelta(seconds=1) if offer.expires_at else None)
        else:
            change = {"accept": offer_accept, "decline": offer_decline}.get(name)
            if change:
                change(offer=offer)
            elif name == "skip":
                offer_skip(tenant=connection.tenant, offer=offer, actor=OPERATOR)
            else:
                {"release": offer_release, "withdraw": offer_withdraw}[name](offer=offer, actor=OPERATOR)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_capacity_is_always_booked_plus_held_plus_free(tenant_alpha, in_tenant, steps):
    with in_tenant(tenant_alpha):
        try:
            with transaction.atomic():
                session = make_session(make_service(max_seats_per_booking=3), capacity=4)
                for step in steps:
                    try:
                        with transaction.atomic():
                            _apply(tenant_alpha, session, step)
                    except ApplicationError:
                        pass  # a refused step changes nothing; the invariant must hold all the same
                    fresh = Session.objects.get(pk=session.pk)
                    live = Booking.objects.filter(session=session, status__in=Booking.LIVE_STATUSES)
                    held = Offer.objects.filter(session=session, status__in=Offer.OPEN_STATUSES)
                    booked_rows = sum(live.values_list("seats", flat=True))
                    held_rows = sum(held.values_list("seats", flat=True))
                    assert (fresh.seats_booked, fresh.seats_held) == (booked_rows, held_rows), step
                    # capacity is never lowered below what is taken here (no explicit overbooking decision)
                    assert fresh.accepted_overbooking == 0
                    assert fresh.capacity == fresh.seats_booked + fresh.seats_held + fresh.seats_free, step
                    # no entry holds more than one open offer, and only live entries hold one
                    assert held.values("entry").distinct().count() == held.count()
                    assert not held.exclude(entry__status__in=["offer_prepared", "offered"]).exists()
                raise Rollback
        except Rollback:
            pass
