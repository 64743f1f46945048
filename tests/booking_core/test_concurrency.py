"""No overbooking under real concurrency: many PostgreSQL connections racing for the same seats."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from booking_core.acting import Actor
from booking_core.errors import CapacityError, SlotTakenError
from booking_core.models import Booking, Service, Session, SlotClaim
from booking_core.services import capacity
from booking_core.services.bookings import ClientDetails, booking_create_group, booking_create_individual
from tests.factories import client_details, count_live_seats, make_service, make_session, make_staff, next_local

pytestmark = pytest.mark.slow


def race(tenant, attempts: int, attempt) -> Counter:
    """Run `attempt(i)` on `attempts` threads, each with its own connection, released at the same moment."""
    barrier = threading.Barrier(attempts)

    def run(index):
        connection.set_tenant(tenant)
        try:
            barrier.wait()
            return attempt(index)
        except (CapacityError, SlotTakenError) as refused:
            return type(refused).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return Counter(pool.map(run, range(attempts)))


def test_fifty_simultaneous_attempts_on_the_last_five_seats_end_with_five_taken(committed_db, tenant_alpha, in_tenant):
    # given: 15 of 20 seats are taken
    with in_tenant(tenant_alpha):
        session = make_session(capacity=20)
        for _ in range(3):
            booking_create_group(tenant=tenant_alpha, session=session, seats=5, client=client_details(),
                                 actor=Actor.system("setup"))

    # when: 50 clients try for one seat each at the same moment
    def attempt(index):
        booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                             actor=Actor.client(f"racer{index}@example.com"))
        return "booked"

    outcome = race(tenant_alpha, 50, attempt)
    # then
    assert outcome == Counter({"booked": 5, "CapacityError": 45})
    with in_tenant(tenant_alpha):
        session.refresh_from_db()
        assert session.seats_booked == count_live_seats(session) == 20


def test_twenty_simultaneous_attempts_on_one_appointment_slot_end_with_one_booking(
    committed_db, tenant_alpha, in_tenant
):
    # given
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, buffer_after_minutes=10)
        make_staff(service)
        start = next_local(tenant_alpha.zone, weekday=2, hour=10)

    # when
    def attempt(index):
        booking_create_individual(tenant=tenant_alpha, service=service, starts_at=start,
                                  client=client_details(), actor=Actor.client("x@example.com"))
        return "booked"

    outcome = race(tenant_alpha, 20, attempt)
    # then
    assert outcome == Counter({"booked": 1, "SlotTakenError": 19})
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(service=service).count() == 1
        assert SlotClaim.objects.count() == 14


def test_a_double_submitted_form_creates_one_booking(committed_db, tenant_alpha, in_tenant):
    # given: the same form (same idempotency key) submitted by ten impatient clicks at once
    with in_tenant(tenant_alpha):
        session = make_session(capacity=10)
    details = ClientDetails(name="Impatient", email="impatient@example.com")

    def attempt(index):
        return booking_create_group(tenant=tenant_alpha, session=session, seats=2, client=details,
                                    idempotency_key="form-7f3a", actor=Actor.client(details.email)).pk

    outcome = race(tenant_alpha, 10, attempt)
    # then: every click got the same booking back
    assert len(outcome) == 1 and sum(outcome.values()) == 10
    with in_tenant(tenant_alpha):
        session.refresh_from_db()
        assert Booking.objects.filter(session=session).count() == 1 and session.seats_booked == 2


def test_a_double_submitted_appointment_with_the_only_staff_member_creates_one_booking(committed_db, tenant_alpha,
                                                                                       in_tenant):
    # given: one staff member; the client's form is sent twice at once (a double click)
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60)
        anna = make_staff(service, name="Anna")
        start = next_local(tenant_alpha.zone, weekday=3, hour=10)
    details = ClientDetails(name="Impatient", email="impatient@example.com")

    def attempt(index):
        return booking_create_individual(tenant=tenant_alpha, service=service, starts_at=start, staff=anna,
                                         client=details, idempotency_key="form-appointment",
                                         actor=Actor.client(details.email)).pk

    outcome = race(tenant_alpha, 6, attempt)
    # then: every click got the booking, none was told the time had been taken
    assert len(outcome) == 1 and sum(outcome.values()) == 6, outcome
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(service=service).count() == 1


def test_without_the_row_lock_the_database_still_refuses_to_overbook(committed_db, tenant_alpha, in_tenant,
                                                                     monkeypatch):
    # given: a bug that forgets to lock the session (the lock is what normally decides)
    def session_without_lock(session_id):
        return Session.objects.select_related("service").get(pk=session_id)

    monkeypatch.setattr("booking_core.services.bookings.session_lock", session_without_lock)
    assert capacity.session_lock is not session_without_lock
    with in_tenant(tenant_alpha):
        session = make_session(capacity=3)

    # when: 30 clients race for 3 seats
    def attempt(index):
        booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                             actor=Actor.client(f"nolock{index}@example.com"))
        return "booked"

    outcome = race(tenant_alpha, 30, attempt)
    # then: the CHECK constraint on the counter turned the losers away; nobody holds a fourth seat
    assert outcome["booked"] <= 3
    with in_tenant(tenant_alpha):
        session.refresh_from_db()
        assert count_live_seats(session) == session.seats_booked == outcome["booked"] <= 3
