"""Reminders and attendance requests: at the right wall-clock moment, never for a cancelled booking."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.messages.reminders import moment_before, reminders_dispatch
from booking_core.models import Booking, Service
from booking_core.services.bookings import (
    booking_cancel,
    booking_client_confirm_attendance,
    booking_create_individual,
    booking_reschedule,
)
from tests.factories import OPERATOR, client_details, make_service, make_staff

pytestmark = pytest.mark.django_db
BUDAPEST = ZoneInfo("Europe/Budapest")


def test_24_hours_before_means_the_same_wall_clock_time_the_day_before_even_when_clocks_change():
    # Monday 30 March 2026 10:00 in Budapest; clocks went forward on Sunday 29 March at 02:00
    starts = dt.datetime(2026, 3, 30, 10, tzinfo=BUDAPEST)
    assert moment_before(starts, 24 * 60, BUDAPEST) == dt.datetime(2026, 3, 29, 10, tzinfo=BUDAPEST)
    assert starts - moment_before(starts, 24 * 60, BUDAPEST) == dt.timedelta(hours=24)
    # across the change the local day is 23 real hours long
    sunday_morning = dt.datetime(2026, 3, 29, 10, tzinfo=BUDAPEST)
    assert sunday_morning - moment_before(sunday_morning, 24 * 60, BUDAPEST) == dt.timedelta(hours=23)


def test_a_reminder_whose_local_moment_falls_in_the_skipped_hour_still_comes_before_the_booking():
    # Sunday 28 March 2027 03:30 in Budapest; 02:00-03:00 did not exist that night
    starts = dt.datetime(2027, 3, 28, 3, 30, tzinfo=BUDAPEST)
    one_hour_before = moment_before(starts, 60, BUDAPEST)
    assert starts - one_hour_before == dt.timedelta(hours=1)
    assert starts - moment_before(starts, 90, BUDAPEST) == dt.timedelta(minutes=90)


@pytest.fixture
def appointment(tenant_alpha, in_tenant):
    """An appointment next Wednesday 10:00 (Budapest), booked well in advance."""
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=60)
        make_staff(service)
        today = timezone.now().astimezone(BUDAPEST).date()
        wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 + 7)
        starts = dt.datetime.combine(wednesday, dt.time(10), tzinfo=BUDAPEST)
        booking = booking_create_individual(tenant=tenant_alpha, service=service, starts_at=starts,
                                            client=client_details(), actor=OPERATOR)
        Booking.objects.filter(pk=booking.pk).update(created_at=starts - dt.timedelta(days=6))
        booking.refresh_from_db()
        yield booking


def scheduled(booking):
    return sorted(OutboxMessage.objects.filter(subject_ref=f"booking:{booking.pk}")
                  .exclude(event_type__in=["booking.confirmed", "booking.cancelled", "booking.rescheduled"])
                  .values_list("event_type", "status", "next_attempt_at"))


def test_reminders_are_written_when_their_moment_comes_and_only_once(appointment):
    starts = appointment.starts_at
    # two days before: the attendance request (48 h) is due, the reminders are not
    assert reminders_dispatch(now=starts - dt.timedelta(hours=47, minutes=59)) == 1
    assert [row[0] for row in scheduled(appointment)] == ["booking.attendance_request"]
    # a day before: the 24 h reminder; running again changes nothing
    assert reminders_dispatch(now=starts - dt.timedelta(hours=23, minutes=59)) == 1
    assert reminders_dispatch(now=starts - dt.timedelta(hours=23, minutes=58)) == 0
    # two hours before: the 2 h reminder
    assert reminders_dispatch(now=starts - dt.timedelta(hours=1, minutes=59)) == 1
    rows = scheduled(appointment)
    assert [(event, status) for event, status, _at in rows] == [
        ("booking.attendance_request", "pending"), ("booking.reminder", "pending"), ("booking.reminder", "pending")]
    assert sorted(at for _event, _status, at in rows) == [
        starts - dt.timedelta(hours=48), starts - dt.timedelta(hours=24), starts - dt.timedelta(hours=2)]


def test_no_reminder_for_a_moment_before_the_booking_was_made(appointment):
    Booking.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - dt.timedelta(hours=3))
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=1, minutes=59)) == 1
    assert [row[0] for row in scheduled(appointment)] == ["booking.reminder"]  # only the 2 h one


def test_no_reminder_for_a_cancelled_booking(tenant_alpha, appointment, outbox_mail):
    # given: the 24 h reminder is written but not yet sent
    reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23, minutes=59))
    reminder = OutboxMessage.objects.get(subject_ref=f"booking:{appointment.pk}", event_type="booking.reminder")
    # when: the client cancels
    booking_cancel(tenant=tenant_alpha, booking=appointment, actor=Actor.client(appointment.client.email))
    # then: the reminder is cancelled and the job writes no new one
    reminder.refresh_from_db()
    assert reminder.status == "cancelled"
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=1, minutes=59)) == 0
    assert outbox_mail == []


def test_a_reminder_already_handed_out_is_not_sent_for_a_cancelled_booking(tenant_alpha, appointment, outbox_mail):
    # given: a reminder already in a worker's hands when the booking is cancelled
    reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23, minutes=59))
    reminder = OutboxMessage.objects.get(subject_ref=f"booking:{appointment.pk}", event_type="booking.reminder")
    OutboxMessage.objects.filter(pk=reminder.pk).update(status="inflight", next_attempt_at=timezone.now())
    booking_cancel(tenant=tenant_alpha, booking=appointment, actor=Actor.client(appointment.client.email))
    # when: the worker gets to it
    outcome = delivery.deliver(reminder.pk)
    # then
    assert outcome == "cancelled"
    assert outbox_mail == []


def test_rescheduling_moves_the_reminders_to_the_new_time(tenant_alpha, appointment):
    reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23, minutes=59))
    old = OutboxMessage.objects.get(subject_ref=f"booking:{appointment.pk}", event_type="booking.reminder")
    moved = booking_reschedule(tenant=tenant_alpha, booking=appointment, actor=OPERATOR,
                               starts_at=appointment.starts_at + dt.timedelta(days=1),
                               now=appointment.starts_at - dt.timedelta(days=3))
    old.refresh_from_db()
    assert old.status == "cancelled"
    assert reminders_dispatch(now=moved.starts_at - dt.timedelta(hours=23, minutes=59)) == 1
    fresh = OutboxMessage.objects.filter(subject_ref=f"booking:{appointment.pk}", event_type="booking.reminder",
                                         status="pending").get()
    assert fresh.next_attempt_at == moved.starts_at - dt.timedelta(hours=24)


def test_moving_away_and_back_brings_the_reminder_back_and_announces_every_move(tenant_alpha, appointment):
    # given: the 24-hour reminder of the 10:00 booking is written
    reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23, minutes=59))
    original = appointment.starts_at
    early = original - dt.timedelta(days=3)
    # when: the booking moves to the next day, back to 10:00, and to the next day again
    for starts_at in (original + dt.timedelta(days=1), original, original + dt.timedelta(days=1)):
        booking_reschedule(tenant=tenant_alpha, booking=Booking.objects.get(pk=appointment.pk), actor=OPERATOR,
                           starts_at=starts_at, now=early)
    booking_reschedule(tenant=tenant_alpha, booking=Booking.objects.get(pk=appointment.pk), actor=OPERATOR,
                       starts_at=original, now=early)
    # then: four moves, four emails
    assert OutboxMessage.objects.filter(subject_ref=f"booking:{appointment.pk}",
                                        event_type="booking.rescheduled").count() == 4
    # and the reminder for 10:00, cancelled by the first move, is wanted again
    assert reminders_dispatch(now=original - dt.timedelta(hours=23, minutes=59)) == 1
    reminder = OutboxMessage.objects.get(subject_ref=f"booking:{appointment.pk}", event_type="booking.reminder",
                                         payload__starts_at=original.isoformat())
    assert (reminder.status, reminder.next_attempt_at) == ("pending", original - dt.timedelta(hours=24))


def test_a_confirmed_attendance_needs_no_request(tenant_alpha, appointment):
    booking_client_confirm_attendance(booking=appointment, now=appointment.starts_at - dt.timedelta(days=3))
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=47, minutes=59)) == 0


def test_tenant_settings_decide_which_reminders_exist(tenant_alpha, appointment):
    tenant_alpha.reminder_offsets_minutes = [60]
    tenant_alpha.attendance_request_enabled = False
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23, minutes=59)) == 0
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(minutes=59)) == 1
