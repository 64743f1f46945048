"""Group sessions: one by one or weekly, and capacity changes that never silently overbook."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from booking_core import events
from booking_core.errors import BookingError, CapacityError
from booking_core.models import AuditEntry, Booking
from booking_core.services.bookings import booking_cancel, booking_create_group
from booking_core.services.sessions import (
    session_cancel,
    session_change_capacity,
    session_create,
    sessions_create_weekly,
)
from tests.factories import OPERATOR, client_details, make_service, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        yield tenant_alpha


def take(tenant, session, seats):
    return booking_create_group(tenant=tenant, session=session, seats=seats, client=client_details(), actor=OPERATOR)


def test_a_session_ends_after_the_services_duration_by_default(alpha):
    service = make_service(duration_minutes=45)
    starts = dt.datetime(2026, 12, 1, 17, tzinfo=alpha.zone)
    session = session_create(service=service, starts_at=starts, capacity=12, location="Pool A", actor=OPERATOR)
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=45)
    assert AuditEntry.objects.filter(action="session.created", object_id=session.pk).exists()


def test_weekly_sessions_keep_their_local_time_across_the_clock_change(alpha):
    # given: Mondays 17:00 in Budapest through the end of October, when clocks go back
    service = make_service()
    zone = ZoneInfo("Europe/Budapest")
    # when
    sessions = sessions_create_weekly(service=service, zone=zone, first_date=dt.date(2026, 10, 12),
                                      last_date=dt.date(2026, 11, 2), weekdays=[0], start_time=dt.time(17),
                                      capacity=8, actor=OPERATOR)
    # then
    assert [s.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for s in sessions] == [
        "2026-10-12 17:00", "2026-10-19 17:00", "2026-10-26 17:00", "2026-11-02 17:00"]
    assert [s.starts_at.astimezone(dt.UTC).hour for s in sessions] == [15, 15, 16, 16]
    assert len({s.recurrence_key for s in sessions}) == 1


def test_sessions_belong_to_group_services(alpha):
    with pytest.raises(BookingError) as refused:
        session_create(service=make_service("individual"), starts_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                       capacity=3, actor=OPERATOR)
    assert "service" in refused.value.fields


def test_raising_capacity_frees_seats_and_says_so(alpha, monkeypatch):
    received = []
    publish = events.publish
    monkeypatch.setattr(events, "publish", lambda event: (received.append(event), publish(event)))
    session = make_session(capacity=2)
    take(alpha, session, 2)
    session_change_capacity(session=session, capacity=5, actor=OPERATOR)
    assert received == [events.SeatsFreed(session_id=session.pk, seats=3, reason="session.capacity_raised")]


def test_capacity_cannot_go_below_taken_seats_without_an_explicit_decision(alpha):
    # given
    session = make_session(capacity=6)
    take(alpha, session, 5)
    # when / then
    with pytest.raises(BookingError) as refused:
        session_change_capacity(session=session, capacity=3, actor=OPERATOR)
    assert refused.value.code == "capacity_below_taken"
    session.refresh_from_db()
    assert session.capacity == 6


def test_keeping_existing_bookings_below_capacity_blocks_new_ones_until_back_under(alpha):
    # given: 5 seats taken, the operator lowers capacity to 3 and keeps everyone
    session = make_session(capacity=6)
    bookings = [take(alpha, session, 1) for _ in range(5)]
    session = session_change_capacity(session=session, capacity=3, actor=OPERATOR, keep_existing_bookings=True)
    assert (session.capacity, session.accepted_overbooking) == (3, 2)
    # then: nobody new gets in, even after two people leave
    with pytest.raises(CapacityError):
        take(alpha, session, 1)
    for booking in bookings[:2]:
        booking_cancel(tenant=alpha, booking=booking, actor=OPERATOR, reason="Changed plans")
    session.refresh_from_db()
    assert (session.seats_booked, session.accepted_overbooking, session.seats_free) == (3, 0, 0)
    with pytest.raises(CapacityError):
        take(alpha, session, 1)
    # and after one more leaves there is exactly one seat
    booking_cancel(tenant=alpha, booking=bookings[2], actor=OPERATOR, reason="Ill")
    assert take(alpha, session, 1).status == "confirmed"


def test_cancelling_a_session_cancels_its_bookings_with_the_reason(alpha):
    session = make_session(capacity=4)
    take(alpha, session, 2)
    take(alpha, session, 1)
    session_cancel(tenant=alpha, session=session, actor=OPERATOR, reason="Coach is ill")
    assert set(Booking.objects.filter(session=session).values_list("status", "cancellation_reason")) == {
        ("cancelled", "Coach is ill")}
    with pytest.raises(BookingError):
        take(alpha, session, 1)
