"""Waitlist offers: prepared when a place frees up, holding it; released, answered, expired, skipped, withdrawn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.errors import CapacityError, OfferClosedError, OfferExpiredError, WaitlistError
from booking_core.models import Booking, Offer, Service, Session, SlotClaim, WaitlistEntry
from booking_core.selectors.availability import free_slots
from booking_core.services.bookings import booking_cancel, booking_create_group, booking_create_individual
from booking_core.services.sessions import session_cancel, session_change_capacity
from booking_core.waitlist.selectors.entries import candidates_for_session, entry_position
from booking_core.waitlist.services.entries import waitlist_entry_remove, waitlist_entry_set_priority
from booking_core.waitlist.services.offers import (
    offer_accept,
    offer_create_by_operator,
    offer_decline,
    offer_release,
    offer_skip,
    offer_withdraw,
    offers_expire_due,
)
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff, next_local
from tests.waitlist.helpers import fill, join, seats_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(alpha):
    """A session of 4 seats, all booked: two bookings of 2 seats each."""
    session = make_session(make_service(name_en="Swimming", name_hu="Úszás", offer_validity_hours=12), capacity=4)
    bookings = fill(alpha, session, [2, 2])
    return session, bookings


def test_a_cancellation_prepares_an_offer_for_the_next_candidate_and_holds_the_seat(alpha, full_session):
    # given
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=1)
    # when
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # then: the first candidate got an offer for their two seats, sent at once (tenant default)
    offer = Offer.objects.get(entry=first)
    assert (offer.status, offer.seats, offer.session_id) == ("sent", 2, session.pk)
    assert offer.expires_at == offer.sent_at + dt.timedelta(hours=12)
    assert seats_of(session) == {"capacity": 4, "booked": 2, "held": 2, "free": 0}
    assert WaitlistEntry.objects.get(pk=first.pk).status == "offered"
    assert WaitlistEntry.objects.get(pk=second.pk).status == "waiting"
    # and the email waits in the outbox (nothing is sent inside the transaction)
    assert OutboxMessage.objects.filter(event_type="waitlist.offer", payload__offer_id=offer.pk).count() == 1


def test_a_held_seat_cannot_be_booked_by_someone_else(alpha, full_session):
    # given: an offer holds the freed seats
    session, bookings = full_session
    join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # when / then
    with pytest.raises(CapacityError):
        booking_create_group(tenant=alpha, session=Session.objects.get(pk=session.pk), seats=1,
                             client=client_details(), actor=Actor.client("walk-in@example.com"))
    assert seats_of(session)["booked"] == 2


def test_a_candidate_wanting_more_seats_than_freed_is_passed_over_but_keeps_their_position(alpha, full_session):
    # given: a family of three is first, a single second
    session, bookings = full_session
    family, single = join(alpha, session, seats=3), join(alpha, session, seats=1)
    # when: two seats free up
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # then: the single gets one of them; the family keeps position 1
    assert Offer.objects.get(entry=single).seats == 1
    assert not Offer.objects.filter(entry=family).exists()
    rows = candidates_for_session(Session.objects.get(pk=session.pk))
    assert [(row.ranked.position, row.entry.pk, row.ranked.reason) for row in rows] == [
        (1, family.pk, "wants_more_seats_than_free"), (2, single.pk, "offer_open")]
    assert entry_position(WaitlistEntry.objects.get(pk=family.pk)) == 1


def test_priority_goes_before_time_of_joining_and_its_reason_is_kept(alpha, full_session):
    # given
    session, bookings = full_session
    early, late = join(alpha, session), join(alpha, session)
    waitlist_entry_set_priority(entry=late, priority=10, reason="Regular since 2019", actor=OPERATOR)
    # when
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # then: both fit in the two seats, but the prioritised one is first in line
    rows = candidates_for_session(Session.objects.get(pk=session.pk))
    assert [row.entry.pk for row in rows] == [late.pk, early.pk]
    assert rows[0].entry.priority_reason == "Regular since 2019"


def test_a_priority_change_needs_a_reason(alpha, full_session):
    session, _bookings = full_session
    entry = join(alpha, session)
    with pytest.raises(WaitlistError):
        waitlist_entry_set_priority(entry=entry, priority=5, reason="  ", actor=OPERATOR)
    assert WaitlistEntry.objects.get(pk=entry.pk).priority == 0


def test_accepting_turns_the_hold_into_a_booking_exactly_once(alpha, full_session):
    # given
    session, bookings = full_session
    entry = join(alpha, session, seats=2, answers={})
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=entry)
    # when: the client clicks twice
    booking = offer_accept(offer=offer)
    again = offer_accept(offer=offer)
    # then
    assert again.pk == booking.pk
    assert (booking.status, booking.source, booking.seats, booking.client_id) == ("confirmed", "waitlist", 2,
                                                                                   entry.client_id)
    assert seats_of(session) == {"capacity": 4, "booked": 4, "held": 0, "free": 0}
    assert Offer.objects.get(pk=offer.pk).booking_id == booking.pk
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "accepted"
    assert OutboxMessage.objects.filter(event_type="booking.confirmed", payload__booking_id=booking.pk).count() == 1


def test_declining_passes_the_seat_to_the_next_candidate(alpha, full_session):
    # given
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # when
    offer_decline(offer=Offer.objects.get(entry=first))
    # then
    assert WaitlistEntry.objects.get(pk=first.pk).status == "declined"
    assert Offer.objects.get(entry=second).status == "sent"
    assert seats_of(session)["held"] == 2
    # and a closed offer cannot be accepted afterwards
    with pytest.raises(OfferClosedError):
        offer_accept(offer=Offer.objects.get(entry=first))


def test_an_expired_offer_passes_the_seat_on_and_refuses_a_late_accept(alpha, full_session):
    # given
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=first)
    # when: the client answers after the deadline, before the expiry job ran
    with pytest.raises(OfferExpiredError):
        offer_accept(offer=offer, now=offer.expires_at + dt.timedelta(seconds=1))
    # then: the refusal committed the expiry and the next offer
    assert Offer.objects.get(pk=offer.pk).status == "expired"
    assert WaitlistEntry.objects.get(pk=first.pk).status == "expired"
    assert Offer.objects.get(entry=second).status == "sent"
    assert not Booking.objects.filter(source="waitlist").exists()
    assert OutboxMessage.objects.filter(event_type="waitlist.offer_expired").count() == 1


def test_the_expiry_job_expires_due_offers_only(alpha, full_session):
    # given
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=first)
    # when
    assert offers_expire_due(tenant=connection.tenant, now=offer.expires_at - dt.timedelta(minutes=1)) == 0
    handled = offers_expire_due(tenant=connection.tenant, now=offer.expires_at + dt.timedelta(minutes=1))
    # then
    assert handled == 1
    assert Offer.objects.get(pk=offer.pk).status == "expired"
    assert Offer.objects.get(entry=second).status == "sent"


def test_with_auto_send_off_offers_wait_for_an_operator_to_release_them(alpha, full_session):
    # given
    session, bookings = full_session
    Service.objects.filter(pk=session.service_id).update(offer_auto_send=Service.OfferRelease.OFF)
    entry = join(alpha, session, seats=2)
    # when
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # then: prepared, holding the seats, nothing in the outbox yet
    offer = Offer.objects.get(entry=entry)
    assert (offer.status, offer.expires_at) == ("prepared", None)
    assert seats_of(session)["held"] == 2
    assert not OutboxMessage.objects.filter(event_type="waitlist.offer").exists()
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "offer_prepared"
    # when: the operator releases it
    offer_release(offer=offer, actor=OPERATOR)
    # then
    offer.refresh_from_db()
    assert offer.status == "sent" and offer.expires_at is not None
    assert OutboxMessage.objects.filter(event_type="waitlist.offer").count() == 1


def test_the_tenant_default_decides_when_the_service_inherits(alpha, full_session):
    session, bookings = full_session
    alpha.waitlist_auto_send_enabled = False
    alpha.save(update_fields=["waitlist_auto_send_enabled"])
    entry = join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    assert Offer.objects.get(entry=entry).status == "prepared"


def test_skipping_gives_the_seat_to_the_next_and_the_skipped_one_keeps_waiting(alpha, full_session):
    # given
    session, bookings = full_session
    Service.objects.filter(pk=session.service_id).update(offer_auto_send=Service.OfferRelease.OFF)
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # when
    offer_skip(tenant=alpha, offer=Offer.objects.get(entry=first), actor=OPERATOR)
    # then
    assert WaitlistEntry.objects.get(pk=first.pk).status == "waiting"
    assert Offer.objects.get(entry=second).status == "prepared"
    assert seats_of(session)["held"] == 2
    # and keeps their position: the next place that frees up is theirs again
    assert entry_position(WaitlistEntry.objects.get(pk=first.pk)) == 1
    booking_cancel(tenant=alpha, booking=bookings[1], actor=OPERATOR, reason="Ill")
    assert Offer.objects.filter(entry=first, status="prepared").count() == 1


def test_withdrawing_returns_the_seat_to_general_sale(alpha, full_session):
    # given
    session, bookings = full_session
    entry, other = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # when
    offer_withdraw(offer=Offer.objects.get(entry=entry), actor=OPERATOR)
    # then: the seats are free to book and nobody else got an offer for them
    assert seats_of(session) == {"capacity": 4, "booked": 2, "held": 0, "free": 2}
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "waiting"
    assert not Offer.objects.filter(entry=other).exists()
    booking_create_group(tenant=alpha, session=Session.objects.get(pk=session.pk), seats=2, client=client_details(),
                         actor=Actor.client("walk-in@example.com"))


def test_an_operator_offers_a_free_place_by_hand(alpha, full_session):
    # given: a free seat nobody holds (the offer prepared for it was withdrawn)
    session, _bookings = full_session
    entry = join(alpha, session, seats=1)
    session_change_capacity(session=session, capacity=5, actor=OPERATOR)
    offer_withdraw(offer=Offer.objects.get(entry=entry), actor=OPERATOR)
    # when
    manual = offer_create_by_operator(tenant=connection.tenant, entry=WaitlistEntry.objects.get(pk=entry.pk),
                                      actor=OPERATOR)
    # then
    assert (manual.status, manual.made_by_operator) == ("sent", True)
    assert seats_of(session)["held"] == 1


def test_an_operator_cannot_offer_seats_that_are_not_free(alpha, full_session):
    session, _bookings = full_session
    entry = join(alpha, session, seats=1)
    with pytest.raises(CapacityError):
        offer_create_by_operator(tenant=connection.tenant, entry=entry, actor=OPERATOR)
    assert not Offer.objects.exists()
    assert seats_of(session)["held"] == 0


def test_raising_capacity_offers_the_new_seats(alpha, full_session):
    session, _bookings = full_session
    entry = join(alpha, session, seats=2)
    session_change_capacity(session=session, capacity=6, actor=OPERATOR)
    assert Offer.objects.get(entry=entry).seats == 2
    assert seats_of(session) == {"capacity": 6, "booked": 4, "held": 2, "free": 0}


def test_a_range_entry_is_offered_a_seat_in_any_session_of_its_dates(alpha):
    # given: two full sessions of one service; someone waits for "any session this week"
    service = make_service()
    monday = make_session(service, capacity=1, starts_in_days=3)
    tuesday = make_session(service, capacity=1, starts_in_days=4)
    fill(alpha, monday, [1])
    booked = fill(alpha, tuesday, [1])
    day = lambda session: session.starts_at.astimezone(alpha.zone).date()  # noqa: E731
    entry = join(alpha, None, service=service, date_from=day(monday), date_to=day(tuesday))
    # when
    booking_cancel(tenant=alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
    # then
    assert Offer.objects.get(entry=entry).session_id == tuesday.pk


def test_leaving_the_list_with_an_open_offer_passes_the_seat_on(alpha, full_session):
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    waitlist_entry_remove(entry=first, actor=Actor.client(first.client.email))
    assert WaitlistEntry.objects.get(pk=first.pk).status == "removed"
    assert Offer.objects.get(entry=second).status == "sent"
    assert seats_of(session)["held"] == 2


def test_a_cancelled_session_withdraws_its_offers_and_closes_its_waitlist(alpha, full_session):
    session, bookings = full_session
    join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    session_cancel(tenant=alpha, session=session, actor=OPERATOR, reason="Pool closed")
    assert set(Offer.objects.values_list("status", flat=True)) == {"withdrawn"}
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"removed"}
    assert seats_of(session)["held"] == 0


def test_a_freed_appointment_slot_is_offered_and_held_as_claimed_time(alpha):
    # given: a fully booked day wanted by a waiting client
    service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=60)
    staff = make_staff(service, hours=((9, 10),))
    starts_at = next_local(alpha.zone, weekday=2, hour=9)
    booked = booking_create_individual(tenant=alpha, service=service, staff=staff, starts_at=starts_at,
                                       client=client_details(), actor=OPERATOR)
    entry = join(alpha, None, service=service, date_from=starts_at.astimezone(alpha.zone).date())
    # when
    booking_cancel(tenant=alpha, booking=booked, actor=OPERATOR, reason="Ill")
    # then: the slot is offered and nobody else can see or book it
    offer = Offer.objects.get(entry=entry)
    assert (offer.staff_id, offer.starts_at, offer.status) == (staff.pk, starts_at, "sent")
    assert SlotClaim.objects.filter(offer=offer).count() == 12
    day = starts_at.astimezone(alpha.zone).date()
    assert free_slots(service=service, zone=alpha.zone, date_from=day, date_to=day) == []
    # when: accepted
    booking = offer_accept(offer=offer)
    # then: the claims now belong to the booking
    assert SlotClaim.objects.filter(booking=booking).count() == 12
    assert not SlotClaim.objects.filter(offer=offer).exists()


def test_nothing_is_offered_for_a_session_starting_within_the_minimum_notice(alpha):
    # given: a full session starting in 30 minutes, bookable only an hour ahead
    service = make_service(min_notice_minutes=60)
    session = make_session(service, capacity=1, starts_at=timezone.now() + dt.timedelta(hours=3))
    booked = fill(alpha, session, [1])
    entry = join(alpha, session)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + dt.timedelta(minutes=30),
                                                 ends_at=timezone.now() + dt.timedelta(minutes=90))
    # when
    booking_cancel(tenant=alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
    # then: no offer nobody could use; the seat is simply free
    assert not Offer.objects.filter(entry=entry).exists()
    assert seats_of(session)["free"] == 1


def test_the_expected_position_is_the_one_a_new_entry_gets(alpha, full_session):
    session, _bookings = full_session
    from booking_core.waitlist.selectors.entries import waitlist_expected_position

    assert waitlist_expected_position(session) == 1
    first = join(alpha, session)
    demoted = join(alpha, session)
    waitlist_entry_set_priority(entry=demoted, priority=-1, reason="Asked to wait", actor=OPERATOR)
    expected = waitlist_expected_position(session)
    newcomer = join(alpha, session)
    assert expected == entry_position(WaitlistEntry.objects.get(pk=newcomer.pk)) == 2
    assert entry_position(WaitlistEntry.objects.get(pk=first.pk)) == 1


def test_seats_kept_above_a_lowered_capacity_disappear_as_holds_are_given_back(alpha, full_session):
    # given: 2 booked and 2 held of 4 seats; the operator lowers the capacity to 3, keeping everyone
    session, bookings = full_session
    entry = join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    session_change_capacity(session=Session.objects.get(pk=session.pk), capacity=3, actor=OPERATOR,
                            keep_existing_bookings=True)
    assert Session.objects.get(pk=session.pk).accepted_overbooking == 1
    # when: the offer is declined
    offer_decline(offer=Offer.objects.get(entry=entry))
    # then: the session is back within its capacity, with nothing kept above it
    fresh = Session.objects.get(pk=session.pk)
    assert (fresh.capacity, fresh.seats_booked, fresh.seats_held, fresh.accepted_overbooking) == (3, 2, 0, 0)
    assert seats_of(session)["free"] == 1


def test_seats_freed_one_by_one_add_up_until_a_family_fits(alpha):
    # given: four single bookings, a family of two waiting first and a single behind them
    session = make_session(make_service(max_seats_per_booking=4), capacity=4)
    singles = fill(alpha, session, [1, 1, 1, 1])
    family, single = join(alpha, session, seats=2), join(alpha, session, seats=1)
    # when: one seat frees; the family does not fit, so the single behind them gets it
    booking_cancel(tenant=alpha, booking=singles[0], actor=OPERATOR, reason="Ill")
    assert Offer.objects.get(entry=single).seats == 1
    # when: two more seats free, one at a time
    booking_cancel(tenant=alpha, booking=singles[1], actor=OPERATOR, reason="Ill")
    assert not Offer.objects.filter(entry=family).exists(), "one free seat is not enough for two"
    booking_cancel(tenant=alpha, booking=singles[2], actor=OPERATOR, reason="Ill")
    # then: the seats added up and the family holds them
    assert Offer.objects.get(entry=family).seats == 2
    assert seats_of(session) == {"capacity": 4, "booked": 1, "held": 3, "free": 0}


def test_a_client_waiting_twice_for_one_session_gets_one_offer(alpha, full_session):
    # given: Kim waits for this session and for any session of its day; someone else waits too
    session, bookings = full_session
    day = session.starts_at.astimezone(alpha.zone).date()
    kim = client_details(name="Kim", email="kim@example.com")
    from booking_core.waitlist.services.entries import waitlist_join

    for target in ({"session": session}, {"date_from": day, "date_to": day}):
        waitlist_join(tenant=connection.tenant, service=session.service, client=kim, actor=OPERATOR, seats=1, **target)
    other = join(alpha, session, seats=1)
    # when: two seats free up
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    # then: Kim holds one seat, the other client the second
    holders = sorted(Offer.objects.filter(status="sent").values_list("entry__client__email", flat=True))
    assert holders == sorted(["kim@example.com", other.client.email])


def test_a_place_passed_on_keeps_the_time_it_first_became_free(alpha, full_session):
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=first)
    offer_decline(offer=offer, now=offer.sent_at + dt.timedelta(hours=2))
    assert Offer.objects.get(entry=second).freed_at == offer.freed_at


def test_a_decline_after_the_deadline_counts_as_expired(alpha, full_session):
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=first)
    with pytest.raises(OfferExpiredError):
        offer_decline(offer=offer, now=offer.expires_at + dt.timedelta(minutes=1))
    assert Offer.objects.get(pk=offer.pk).status == "expired"
    assert Offer.objects.get(entry=second).status == "sent"


def test_declining_one_date_of_a_range_keeps_waiting_for_the_others(alpha):
    # given: two full sessions; a client waits for any session of those days
    service = make_service()
    monday, tuesday = make_session(service, capacity=1, starts_in_days=3), make_session(service, capacity=1,
                                                                                     starts_in_days=4)
    monday_booking, tuesday_booking = fill(alpha, monday, [1])[0], fill(alpha, tuesday, [1])[0]
    day = lambda session: session.starts_at.astimezone(alpha.zone).date()  # noqa: E731
    entry = join(alpha, None, service=service, date_from=day(monday), date_to=day(tuesday))
    booking_cancel(tenant=alpha, booking=monday_booking, actor=OPERATOR, reason="Ill")
    # when: Monday does not suit them
    offer_decline(offer=Offer.objects.get(entry=entry))
    # then: they keep waiting; Monday's seat stays free for anyone, Tuesday's comes to them
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "waiting"
    assert seats_of(monday)["free"] == 1
    booking_cancel(tenant=alpha, booking=tuesday_booking, actor=OPERATOR, reason="Ill")
    assert Offer.objects.get(entry=entry, status="sent").session_id == tuesday.pk


def test_the_expiry_job_goes_on_when_one_offer_fails(alpha, full_session, monkeypatch):
    # given: two sessions whose offers are both due; expiring the first one fails
    session, bookings = full_session
    other_session = make_session(session.service, capacity=1)
    other_booking = fill(alpha, other_session, [1])[0]
    first, other = join(alpha, session, seats=2), join(alpha, other_session, seats=1)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    booking_cancel(tenant=alpha, booking=other_booking, actor=OPERATOR, reason="Ill")
    failing = Offer.objects.get(entry=first)
    from booking_core.waitlist.services import offers as offer_services

    real_expire = offer_services._expire

    def expire(offer, now):
        if offer.pk == failing.pk:
            raise RuntimeError("mail template broken")
        real_expire(offer, now)

    monkeypatch.setattr(offer_services, "_expire", expire)
    # when
    with pytest.raises(RuntimeError, match="1 offers could not be handled"):
        offers_expire_due(tenant=connection.tenant, now=timezone.now() + dt.timedelta(days=2))
    # then: the other offer expired all the same, and the failed one is untouched for the next run
    assert Offer.objects.get(entry=other).status == "expired"
    assert Offer.objects.get(pk=failing.pk).status == "sent"


def test_a_withdrawn_sent_offer_and_a_cancelled_session_are_announced(alpha, full_session):
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    offer_withdraw(offer=Offer.objects.get(entry=first), actor=OPERATOR)
    session_cancel(tenant=alpha, session=session, actor=OPERATOR, reason="Pool closed")
    sent = sorted(OutboxMessage.objects.filter(event_type__startswith="waitlist.").exclude(
        event_type="waitlist.joined").values_list("event_type", "payload__entry_id"))
    assert sent == sorted([("waitlist.offer", first.pk), ("waitlist.offer_withdrawn", first.pk),
                           ("waitlist.session_cancelled", first.pk), ("waitlist.session_cancelled", second.pk)])


def test_nobody_joins_the_waitlist_of_a_day_that_still_has_free_times(alpha):
    service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=60)
    make_staff(service, hours=((9, 11),))
    day = next_local(alpha.zone, weekday=2, hour=9).date()
    with pytest.raises(WaitlistError) as refused:
        join(alpha, None, service=service, date_from=day)
    assert refused.value.code == "seats_available"
    assert not WaitlistEntry.objects.exists()


def test_leaving_starts_over_when_an_offer_appeared_between_looking_and_locking(alpha, full_session, monkeypatch):
    # given: the entry has an offer, but the first look (before locking) still saw none
    session, bookings = full_session
    first, second = join(alpha, session, seats=2), join(alpha, session, seats=2)
    booking_cancel(tenant=alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
    from booking_core.waitlist.services import entries as waitlist_services

    looks = []
    real_look = waitlist_services._open_offer_seen

    def stale_first_look(entry_id):
        looks.append(entry_id)
        return None if len(looks) == 1 else real_look(entry_id)

    monkeypatch.setattr(waitlist_services, "_open_offer_seen", stale_first_look)
    # when
    waitlist_entry_remove(entry=first, actor=Actor.client(first.client.email))
    # then: the second attempt locked the offer's session, closed the offer and passed the seats on
    assert len(looks) == 2
    assert WaitlistEntry.objects.get(pk=first.pk).status == "removed"
    assert Offer.objects.get(entry=second).status == "sent"
    assert seats_of(session)["held"] == 2
