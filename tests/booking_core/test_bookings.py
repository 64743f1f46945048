"""Booking services: create, cancel, reschedule, confirm, attendance; audit and freed-seat events."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from booking_core import events
from booking_core.acting import Actor
from booking_core.errors import (
    BookingError,
    CapacityError,
    CutoffPassedError,
    SelfServiceDisabledError,
    SlotTakenError,
)
from booking_core.models import AuditEntry, Booking, Client, Service, Session, SlotClaim
from booking_core.services.bookings import (
    booking_cancel,
    booking_confirm,
    booking_create_group,
    booking_create_individual,
    booking_mark_attendance,
    booking_reschedule,
)
from tests.factories import (
    OPERATOR,
    client_details,
    count_live_seats,
    make_client,
    make_service,
    make_session,
    make_staff,
    next_local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        yield tenant_alpha


@pytest.fixture
def freed_events(monkeypatch):
    """The SeatsFreed and SlotFreed events published, in order (their handlers still run)."""
    received = []
    publish = events.publish

    def recording_publish(event):
        if isinstance(event, events.SeatsFreed | events.SlotFreed):
            received.append(event)
        publish(event)

    monkeypatch.setattr(events, "publish", recording_publish)
    return received


def book_seats(tenant, session, seats=1, **kwargs):
    details = kwargs.pop("client", None) or client_details()
    return booking_create_group(tenant=tenant, session=session, seats=seats, client=details,
                                actor=Actor.client(details.email), **kwargs)


# --- group bookings ------------------------------------------------------------------------------------


def test_booking_seats_confirms_and_counts_them_against_the_session(alpha):
    # given
    session = make_session(capacity=10)
    # when
    booking = book_seats(alpha, session, seats=3, language="hu")
    # then
    session.refresh_from_db()
    assert (booking.status, booking.seats, booking.language, booking.source) == ("confirmed", 3, "hu", "web")
    assert session.seats_booked == 3 and session.seats_free == 7
    assert len(booking.manage_token) >= 32
    assert booking.confirmed_at is not None


def test_a_full_session_refuses_with_the_number_of_free_seats_and_changes_nothing(alpha):
    # given
    session = make_session(capacity=4)
    book_seats(alpha, session, seats=3)
    clients_before = Client.objects.count()
    # when
    with pytest.raises(CapacityError) as refused:
        book_seats(alpha, session, seats=2)
    # then
    assert refused.value.extra == {"seats_free": 1}
    assert str(refused.value.message) == "Only 1 seat is left in this session."
    session.refresh_from_db()
    assert session.seats_booked == 3
    assert Client.objects.count() == clients_before


def test_seats_per_booking_are_limited_by_the_service(alpha):
    session = make_session(make_service(max_seats_per_booking=2), capacity=10)
    with pytest.raises(BookingError) as refused:
        book_seats(alpha, session, seats=3)
    assert "seats" in refused.value.fields
    assert not Booking.objects.exists()


def test_cancelled_or_past_sessions_cannot_be_booked(alpha):
    cancelled = make_session(is_cancelled=True)
    past = make_session(starts_in_days=-1)
    with pytest.raises(BookingError):
        book_seats(alpha, cancelled)
    with pytest.raises(BookingError) as too_soon:
        book_seats(alpha, past)
    assert "starts_at" in too_soon.value.fields


def test_services_requiring_approval_create_pending_bookings_that_staff_confirm(alpha):
    session = make_session(make_service(requires_approval=True), capacity=5)
    booking = book_seats(alpha, session, seats=2)
    assert booking.status == "pending" and booking.confirmed_at is None
    session.refresh_from_db()
    assert session.seats_booked == 2, "pending bookings hold their seats"
    confirmed = booking_confirm(booking=booking, actor=OPERATOR)
    assert confirmed.status == "confirmed"
    assert AuditEntry.objects.filter(action="booking.confirmed", object_id=booking.pk).count() == 1


def test_the_same_submission_twice_creates_one_booking(alpha):
    # given
    session = make_session(capacity=10)
    details = client_details()
    # when
    first = book_seats(alpha, session, seats=2, client=details, idempotency_key="form-123")
    second = book_seats(alpha, session, seats=2, client=details, idempotency_key="form-123")
    # then
    assert first.pk == second.pk
    session.refresh_from_db()
    assert session.seats_booked == 2 and Booking.objects.count() == 1


def test_an_idempotency_key_cannot_be_reused_by_someone_else(alpha):
    session = make_session(capacity=10)
    book_seats(alpha, session, idempotency_key="form-9")
    with pytest.raises(BookingError) as refused:
        book_seats(alpha, session, idempotency_key="form-9")
    assert "idempotency_key" in refused.value.fields


def test_clients_are_matched_by_email_case_insensitively(alpha):
    known = make_client("Anna.Nagy@Example.com")
    booking = book_seats(alpha, make_session(), client=client_details(email="anna.nagy@example.COM"))
    assert booking.client_id == known.pk
    assert Client.objects.count() == 1


def test_the_database_refuses_an_overbooked_counter_even_if_python_is_wrong(alpha):
    # given
    session = make_session(capacity=2)
    # when / then: a direct write past the capacity cannot be committed
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(seats_booked=3)


def test_bad_contact_details_are_reported_per_field(alpha):
    with pytest.raises(BookingError) as refused:
        book_seats(alpha, make_session(), client=client_details(email="not-an-email"))
    assert "client.email" in refused.value.fields
    assert not Booking.objects.exists()


# --- cancelling ----------------------------------------------------------------------------------------


def test_a_client_cancels_within_the_cutoff_and_the_seats_are_freed(alpha, freed_events):
    # given
    session = make_session(capacity=5, starts_in_days=3)
    booking = book_seats(alpha, session, seats=2)
    # when
    cancelled = booking_cancel(tenant=alpha, booking=booking, actor=Actor.client(booking.client.email))
    # then
    session.refresh_from_db()
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == "client"
    assert session.seats_booked == 0
    assert freed_events == [events.SeatsFreed(session_id=session.pk, seats=2, reason="booking.cancelled")]
    entry = AuditEntry.objects.get(action="booking.cancelled", object_id=booking.pk)
    assert entry.before["status"] == "confirmed" and entry.after["status"] == "cancelled"
    assert entry.actor_kind == "client" and entry.actor_label == booking.client.email


def test_cancelling_twice_changes_nothing_the_second_time(alpha, freed_events):
    booking = book_seats(alpha, make_session(starts_in_days=3))
    booking_cancel(tenant=alpha, booking=booking, actor=Actor.client(booking.client.email))
    again = booking_cancel(tenant=alpha, booking=booking, actor=Actor.client(booking.client.email))
    assert again.status == "cancelled"
    assert len(freed_events) == 1
    assert AuditEntry.objects.filter(action="booking.cancelled").count() == 1


def test_a_client_cannot_cancel_after_the_cutoff(alpha):
    booking = book_seats(alpha, make_session(starts_in_days=0.5))  # cutoff is 24 h before
    with pytest.raises(CutoffPassedError) as refused:
        booking_cancel(tenant=alpha, booking=booking, actor=Actor.client(booking.client.email))
    assert "Alpha Studio" in str(refused.value.message)
    booking.refresh_from_db()
    assert booking.status == "confirmed"


@pytest.mark.parametrize(("tenant_default", "service_setting", "allowed"), [
    (True, "inherit", True), (False, "inherit", False), (False, "on", True), (True, "off", False),
])
def test_self_service_follows_the_tenant_default_unless_the_service_overrides(
    alpha, tenant_default, service_setting, allowed
):
    # given
    alpha.self_service_enabled = tenant_default
    booking = book_seats(alpha, make_session(make_service(self_service=service_setting), starts_in_days=5))
    # when
    attempt = lambda: booking_cancel(tenant=alpha, booking=booking, actor=Actor.client(booking.client.email))  # noqa: E731
    # then
    if allowed:
        assert attempt().status == "cancelled"
    else:
        with pytest.raises(SelfServiceDisabledError):
            attempt()
        booking.refresh_from_db()
        assert booking.status == "confirmed"


def test_an_operator_cancels_any_time_but_must_give_a_reason(alpha):
    booking = book_seats(alpha, make_session(starts_in_days=0.1))
    with pytest.raises(BookingError) as refused:
        booking_cancel(tenant=alpha, booking=booking, actor=OPERATOR)
    assert "reason" in refused.value.fields
    cancelled = booking_cancel(tenant=alpha, booking=booking, actor=OPERATOR, reason="Pool closed for repairs")
    assert (cancelled.status, cancelled.cancellation_reason, cancelled.cancelled_by) == (
        "cancelled", "Pool closed for repairs", "system")


# --- individual appointments ---------------------------------------------------------------------------


@pytest.fixture
def massage(alpha):
    service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, buffer_after_minutes=15,
                           slot_interval_minutes=15)
    return service


def book_appointment(tenant, service, starts_at, **kwargs):
    details = kwargs.pop("client", None) or client_details()
    return booking_create_individual(tenant=tenant, service=service, starts_at=starts_at, client=details,
                                     actor=Actor.client(details.email), **kwargs)


def test_an_appointment_claims_its_time_including_buffers(alpha, massage):
    # given
    anna = make_staff(massage, name="Anna")
    start = next_local(alpha.zone, weekday=1, hour=10)
    # when
    booking = book_appointment(alpha, massage, start)
    # then
    assert booking.staff == anna
    assert (booking.starts_at, booking.ends_at) == (start, start + dt.timedelta(minutes=60))
    assert booking.blocked_until == start + dt.timedelta(minutes=75)
    assert SlotClaim.objects.filter(booking=booking).count() == 15  # 75 minutes in 5-minute cells


def test_the_next_staff_member_takes_the_slot_when_the_first_is_busy(alpha, massage):
    anna, bela = make_staff(massage, name="Anna"), make_staff(massage, name="Béla")
    start = next_local(alpha.zone, weekday=2, hour=11)
    first, second = book_appointment(alpha, massage, start), book_appointment(alpha, massage, start)
    assert {first.staff_id, second.staff_id} == {anna.pk, bela.pk}
    with pytest.raises(SlotTakenError) as refused:
        book_appointment(alpha, massage, start)
    assert refused.value.extra["next_free_slots"], "offers the next free times"


def test_a_taken_slot_offers_the_next_free_times(alpha, massage):
    make_staff(massage)
    start = next_local(alpha.zone, weekday=3, hour=9)
    book_appointment(alpha, massage, start)
    with pytest.raises(SlotTakenError) as refused:
        book_appointment(alpha, massage, start)
    # 60 minutes + 15 buffer after: the next start on the 15-minute grid is 10:15
    assert refused.value.extra["next_free_slots"][0] == (start + dt.timedelta(minutes=75)).isoformat()


def test_a_taken_slot_with_a_chosen_staff_member_offers_that_persons_next_free_times(alpha, massage):
    # given: Anna is booked at 9:00 and 10:15; Béla is free all day
    anna, _bela = make_staff(massage, name="Anna"), make_staff(massage, name="Béla")
    start = next_local(alpha.zone, weekday=3, hour=9)
    book_appointment(alpha, massage, start, staff=anna)
    book_appointment(alpha, massage, start + dt.timedelta(minutes=75), staff=anna)
    # when: a client insists on Anna at 9:00
    with pytest.raises(SlotTakenError) as refused:
        book_appointment(alpha, massage, start, staff=anna)
    # then: the alternatives are Anna's, not Béla's 9:00
    assert refused.value.extra["next_free_slots"][0] == (start + dt.timedelta(minutes=150)).isoformat()


def test_appointments_outside_working_hours_or_off_grid_are_refused(alpha, massage):
    make_staff(massage, hours=((9, 12),))
    with pytest.raises(SlotTakenError):
        book_appointment(alpha, massage, next_local(alpha.zone, weekday=4, hour=11, minute=30))  # ends 12:30
    with pytest.raises(SlotTakenError):
        book_appointment(alpha, massage, next_local(alpha.zone, weekday=4, hour=9, minute=10))  # not on the grid
    assert not Booking.objects.exists()


def test_staff_choice_can_be_switched_off_for_clients(alpha):
    service = make_service(Service.Kind.INDIVIDUAL, staff_choice_enabled=False)
    anna = make_staff(service)
    with pytest.raises(BookingError) as refused:
        book_appointment(alpha, service, next_local(alpha.zone, 1, 10), staff=anna)
    assert "staff" in refused.value.fields


def test_the_database_refuses_two_claims_on_one_cell(alpha, massage):
    anna = make_staff(massage)
    booking = book_appointment(alpha, massage, next_local(alpha.zone, 1, 13))
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotClaim.objects.create(staff=anna, cell_start=booking.starts_at, booking=booking)


def test_rescheduling_moves_the_claims_and_frees_the_old_time(alpha, massage, freed_events):
    # given
    make_staff(massage)
    old_start = next_local(alpha.zone, weekday=1, hour=9)
    booking = book_appointment(alpha, massage, old_start)
    new_start = old_start + dt.timedelta(hours=3)
    # when
    moved = booking_reschedule(tenant=alpha, booking=booking, starts_at=new_start,
                               actor=Actor.client(booking.client.email))
    # then
    assert moved.starts_at == new_start
    assert min(SlotClaim.objects.filter(booking=booking).values_list("cell_start", flat=True)) == new_start
    assert book_appointment(alpha, massage, old_start).pk != booking.pk, "the old time is bookable again"
    assert [type(event) for event in freed_events] == [events.SlotFreed]
    assert AuditEntry.objects.filter(action="booking.rescheduled", object_id=booking.pk).count() == 1


def test_rescheduling_onto_its_own_overlapping_time_is_allowed(alpha, massage):
    make_staff(massage)
    start = next_local(alpha.zone, weekday=5, hour=9)
    booking = book_appointment(alpha, massage, start)
    moved = booking_reschedule(tenant=alpha, booking=booking, starts_at=start + dt.timedelta(minutes=30),
                               actor=OPERATOR)
    assert moved.starts_at == start + dt.timedelta(minutes=30)


def test_rescheduling_onto_someone_elses_time_is_refused_and_changes_nothing(alpha, massage):
    make_staff(massage)
    start = next_local(alpha.zone, weekday=6, hour=9)
    mine = book_appointment(alpha, massage, start)
    book_appointment(alpha, massage, start + dt.timedelta(hours=2))
    with pytest.raises(SlotTakenError):
        booking_reschedule(tenant=alpha, booking=mine, starts_at=start + dt.timedelta(hours=2), actor=OPERATOR)
    mine.refresh_from_db()
    assert mine.starts_at == start
    assert SlotClaim.objects.filter(booking=mine).count() == 15


def test_cancelling_an_appointment_releases_its_claims(alpha, massage):
    make_staff(massage)
    booking = book_appointment(alpha, massage, next_local(alpha.zone, 2, 14))
    booking_cancel(tenant=alpha, booking=booking, actor=OPERATOR, reason="Therapist ill")
    assert not SlotClaim.objects.filter(booking=booking).exists()


# --- attendance -----------------------------------------------------------------------------------------


def test_attendance_is_recorded_once_the_booking_started(alpha):
    booking = book_seats(alpha, make_session(starts_in_days=1))
    with pytest.raises(BookingError):
        booking_mark_attendance(booking=booking, attended=True, actor=OPERATOR)
    later = booking.starts_at + dt.timedelta(minutes=5)
    assert booking_mark_attendance(booking=booking, attended=False, actor=OPERATOR, now=later).status == "no_show"
    assert booking_mark_attendance(booking=booking, attended=True, actor=OPERATOR, now=later).status == "attended"
    assert list(AuditEntry.objects.filter(object_id=booking.pk).order_by("id").values_list("action", flat=True)) == [
        "booking.created", "booking.no_show", "booking.attended"]


def test_cancelled_bookings_cannot_be_marked_attended(alpha):
    booking = book_seats(alpha, make_session(starts_in_days=3))
    booking_cancel(tenant=alpha, booking=booking, actor=OPERATOR, reason="Duplicate")
    with pytest.raises(BookingError):
        booking_mark_attendance(booking=booking, attended=True, actor=OPERATOR,
                                now=timezone.now() + dt.timedelta(days=4))


def test_live_seat_count_matches_the_counter(alpha):
    session = make_session(capacity=8)
    bookings = [book_seats(alpha, session, seats=2) for _ in range(3)]
    booking_cancel(tenant=alpha, booking=bookings[1], actor=OPERATOR, reason="Moved")
    session.refresh_from_db()
    assert session.seats_booked == count_live_seats(session) == 4


def test_moving_a_booking_to_where_it_already_is_changes_and_sends_nothing(alpha, massage):
    # given: an appointment already moved to 11:00 (the client clicks "move" a second time)
    make_staff(massage, name="Anna")
    start = next_local(alpha.zone, weekday=1, hour=10)
    booking = book_appointment(alpha, massage, start)
    moved = booking_reschedule(tenant=alpha, booking=booking, starts_at=start + dt.timedelta(hours=1),
                               actor=Actor.client(booking.client.email))
    audits, messages = AuditEntry.objects.count(), OutboxMessage.objects.count()
    # when
    again = booking_reschedule(tenant=alpha, booking=moved, starts_at=start + dt.timedelta(hours=1),
                               actor=Actor.client(booking.client.email))
    # then
    assert again.starts_at == start + dt.timedelta(hours=1)
    assert (AuditEntry.objects.count(), OutboxMessage.objects.count()) == (audits, messages)
