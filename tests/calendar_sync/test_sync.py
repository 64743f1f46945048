"""Two-way calendar sync against a real CalDAV server (Radicale): bookings are written into the staff member's
calendar, follow a reschedule and go on cancel; an event made in the calendar blocks that time on the booking
site after one sync; a failing calendar is marked and retried with backoff and never stops bookings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allot.jobs import tasks
from allot.jobs.models import JobRun
from allot.jobs.registry import tenant_jobs
from allot.jobs.tasks import run_tenant_job_now
from booking_core.calendar_sync.providers.base import booking_uid
from booking_core.calendar_sync.secrets import SecretUnreadable, secret_decrypt, secret_encrypt
from booking_core.calendar_sync.services import (
    backoff_after,
    calendar_connect,
    calendar_sync_due,
    calendar_sync_next_due,
)
from booking_core.models import Booking, CalendarBusyBlock, CalendarConnection, Service
from booking_core.services.bookings import booking_cancel, booking_create_individual, booking_reschedule
from tests.backoffice.clock import at
from tests.calendar_sync.conftest import server_calendar, server_events
from tests.factories import OPERATOR, client_details, make_service, make_staff
from tests.public_site.conftest import start_parameter


def an_event(**fields) -> str:
    """An iCalendar document with one VEVENT, as someone's calendar app would write it."""
    from icalendar import Calendar, Event

    event = Event()
    event.add("dtstamp", dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    for name, value in fields.items():
        event.add(name, value)
    calendar = Calendar()
    calendar.add("prodid", "-//Tests//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical().decode()


pytestmark = pytest.mark.django_db

SYNC = "calendar.sync"


@pytest.fixture
def massage(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", slug="massage",
                               cancellation_cutoff_minutes=60)
        anna = make_staff(service, name="Anna", hours=((8, 20),))
    connection.set_schema_to_public()
    return service, anna


def connect(tenant, in_tenant, staff, account) -> CalendarConnection:
    url, username = account
    with in_tenant(tenant):
        return calendar_connect(actor=OPERATOR, staff=staff, url=url, username=username, password="app-password")


def book(tenant, in_tenant, service, staff, starts_at) -> Booking:
    with in_tenant(tenant):
        return booking_create_individual(tenant=tenant, service=service, staff=staff, starts_at=starts_at,
                                         language="en", client=client_details("Kiss Dóra", "dora@example.hu"),
                                         actor=OPERATOR)


def test_the_sync_is_a_registered_tenant_job_recorded_as_job_runs(tenant_alpha, in_tenant):
    assert tenant_jobs()[SYNC] is calendar_sync_due
    # a run that found nothing to do leaves no row (the scheduler's minute summary counts it)
    with in_tenant(tenant_alpha):
        tasks.run_tenant_job.fn(SYNC)
    assert not JobRun.objects.filter(job_name=SYNC).exists()
    # and with nothing connected the job is never due
    with in_tenant(tenant_alpha):
        assert calendar_sync_next_due(timezone.now()) is None


def test_a_booking_appears_in_the_calendar_moves_with_a_reschedule_and_goes_on_cancel(
        tenant_alpha, in_tenant, massage, calendar_account):
    service, anna = massage
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    # given: a booking at 10:00 on the 12th
    booking = book(tenant_alpha, in_tenant, service, anna, at(12, 10))
    uid = booking_uid(tenant_alpha.schema_name, booking.pk)
    # when: the sync runs
    assert run_tenant_job_now(SYNC, tenant_alpha) >= 1
    # then: it is in Anna's calendar, and not read back as busy time of her own
    assert server_events(*calendar_account) == [(uid, at(12, 10), at(12, 11), "Massage – Kiss Dóra")]
    with in_tenant(tenant_alpha):
        assert not CalendarBusyBlock.objects.exists()
        assert CalendarConnection.objects.get().status == CalendarConnection.Status.OK
    # and a second run writes nothing again
    assert run_tenant_job_now(SYNC, tenant_alpha) == 0
    # when: it is moved to 14:00
    with in_tenant(tenant_alpha):
        booking_reschedule(tenant=tenant_alpha, booking=Booking.objects.get(pk=booking.pk), starts_at=at(12, 14),
                           actor=OPERATOR)
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: the same event (same UID) moved
    assert server_events(*calendar_account) == [(uid, at(12, 14), at(12, 15), "Massage – Kiss Dóra")]
    # when: it is cancelled
    with in_tenant(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=Booking.objects.get(pk=booking.pk), actor=OPERATOR,
                       reason="ill")
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: it is gone from the calendar
    assert server_events(*calendar_account) == []


def test_a_booking_moved_to_another_staff_member_moves_to_their_calendar(
        tenant_alpha, in_tenant, massage, calendar_account, radicale):
    service, anna = massage
    with in_tenant(tenant_alpha):
        bela = make_staff(service, name="Béla", hours=((8, 20),))
    bela_account = (f"{radicale}/", f"bela-{calendar_account[1]}")
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    connect(tenant_alpha, in_tenant, bela, bela_account)
    booking = book(tenant_alpha, in_tenant, service, anna, at(12, 10))
    run_tenant_job_now(SYNC, tenant_alpha)
    # when: the booking goes to Béla
    with in_tenant(tenant_alpha):
        booking_reschedule(tenant=tenant_alpha, booking=Booking.objects.get(pk=booking.pk), starts_at=at(12, 10),
                           staff=bela, actor=OPERATOR)
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: it left Anna's calendar for Béla's
    assert server_events(*calendar_account) == []
    assert [event[0] for event in server_events(*bela_account)] == [booking_uid(tenant_alpha.schema_name, booking.pk)]


def test_an_event_made_in_the_calendar_blocks_that_time_on_the_booking_site_within_one_sync(
        tenant_alpha, in_tenant, massage, calendar_account, client_for, frozen_clock):
    service, anna = massage
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    run_tenant_job_now(SYNC, tenant_alpha)
    day_page = f"/s/massage/day/2026-06-12/?staff={anna.pk}&lang=en"
    before = client_for(tenant_alpha).get(day_page).content.decode()
    assert start_parameter(at(12, 11)) in before and start_parameter(at(12, 10, 30)) in before
    # when: Anna puts a dentist's appointment 11:00-12:00 straight into her calendar, and the sync runs once
    server_calendar(*calendar_account).save_event(
        an_event(dtstart=at(12, 11), dtend=at(12, 12), summary="Dentist", uid="dentist-1@example.com"))
    frozen_clock.shift(dt.timedelta(minutes=1))  # the job's next run
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: the hour (and a massage that would run into it) is no longer offered; the times around it are
    after = client_for(tenant_alpha).get(day_page).content.decode()
    for blocked in (at(12, 10, 30), at(12, 11), at(12, 11, 30)):
        assert start_parameter(blocked) not in after
    for free in (at(12, 10), at(12, 12)):
        assert start_parameter(free) in after
    # and it cannot be booked either
    with in_tenant(tenant_alpha), pytest.raises(Exception, match="(?i)no longer|not available|taken|free"):
        booking_create_individual(tenant=tenant_alpha, service=service, staff=anna, starts_at=at(12, 11),
                                  language="en", client=client_details("Nagy Péter", "peter@example.hu"),
                                  actor=OPERATOR)
    # when: the event is deleted in the calendar and "sync now" is asked for
    server_calendar(*calendar_account).event_by_uid("dentist-1@example.com").delete()
    with in_tenant(tenant_alpha):
        CalendarConnection.objects.filter(staff=anna).update(last_pulled_at=None)
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: the time is free again
    assert start_parameter(at(12, 11)) in client_for(tenant_alpha).get(day_page).content.decode()


def test_a_failing_calendar_is_marked_retried_with_backoff_and_never_blocks_bookings(
        tenant_alpha, in_tenant, massage, calendar_account):
    service, anna = massage
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    with in_tenant(tenant_alpha):
        # given: the server moved away (nothing listens on port 9 of this machine)
        CalendarConnection.objects.filter(staff=anna).update(url="http://127.0.0.1:9/x/",
                                                            calendar_url="http://127.0.0.1:9/x/cal/")
        # when: a booking is made and the sync runs
        booking = booking_create_individual(tenant=tenant_alpha, service=service, staff=anna, starts_at=at(12, 10),
                                            language="en", client=client_details(), actor=OPERATOR)
        first = dt.datetime.now(dt.UTC)
        calendar_sync_due(now=first)
        failing = CalendarConnection.objects.get(staff=anna)
        # then: the booking stands, the calendar is marked with the error and waits a minute
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
        assert failing.status == CalendarConnection.Status.FAILING and failing.failures == 1
        assert failing.last_error == "Writing a booking: The calendar server could not be reached at this address."
        assert failing.next_attempt_at == first + dt.timedelta(minutes=1)
        # and before then nothing is tried; after, it fails again and waits twice as long
        with CaptureQueriesContext(connection) as queries:
            assert calendar_sync_due(now=first + dt.timedelta(seconds=30)) == 0
        assert len(queries) == 1
        calendar_sync_due(now=first + dt.timedelta(minutes=1))
        again = CalendarConnection.objects.get(staff=anna)
        assert again.failures == 2 and again.next_attempt_at == first + dt.timedelta(minutes=3)
        # when: the server is back
        CalendarConnection.objects.filter(staff=anna).update(url=calendar_account[0], calendar_url="")
        calendar_sync_due(now=first + dt.timedelta(minutes=3))
        recovered = CalendarConnection.objects.get(staff=anna)
    # then: the booking is written and the error cleared
    assert recovered.status == CalendarConnection.Status.OK and recovered.failures == 0 and not recovered.last_error
    assert [event[0] for event in server_events(*calendar_account)] == [booking_uid(tenant_alpha.schema_name,
                                                                                     booking.pk)]


def test_backoff_doubles_up_to_six_hours():
    assert [backoff_after(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff_after(30) == dt.timedelta(hours=6)


def test_a_tenant_without_calendars_costs_one_query(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        calendar_sync_due()  # (the schema is set on the first query)
        with CaptureQueriesContext(connection) as queries:
            assert calendar_sync_due() == 0
    assert len(queries) == 1


def test_the_app_password_is_stored_encrypted(tenant_alpha, in_tenant, massage, calendar_account, settings):
    _service, anna = massage
    stored = connect(tenant_alpha, in_tenant, anna, calendar_account)
    assert "app-password" not in stored.secret_encrypted
    assert secret_decrypt(stored.secret_encrypted) == "app-password"
    # a key of its own (ALLOT_ENCRYPTION_KEY) cannot read what the SECRET_KEY-derived key wrote
    settings.ALLOT_ENCRYPTION_KEY = "u3Zr0m4yqgJbq0jYy0GJ1nB7l6p1r2M8Hn0b5e2dPzM="
    with pytest.raises(SecretUnreadable):
        secret_decrypt(stored.secret_encrypted)
    assert secret_decrypt(secret_encrypt("x")) == "x"


def test_an_all_day_event_blocks_that_whole_local_day(tenant_alpha, in_tenant, massage, calendar_account,
                                                      client_for, frozen_clock):
    service, anna = massage
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    # given: Anna marks Saturday the 13th as a day off in her calendar (an all-day event, no time zone)
    server_calendar(*calendar_account).save_event(
        an_event(dtstart=dt.date(2026, 6, 13), dtend=dt.date(2026, 6, 14), summary="Wedding",
                 uid="wedding@example.com"))
    # when: the sync runs
    run_tenant_job_now(SYNC, tenant_alpha)
    # then: the whole Budapest day is busy (not the UTC day), and the days around it are not
    with in_tenant(tenant_alpha):
        assert list(CalendarBusyBlock.objects.values_list("starts_at", "ends_at")) == [(at(13, 0), at(14, 0))]
    saturday = client_for(tenant_alpha).get(f"/s/massage/day/2026-06-13/?staff={anna.pk}&lang=en").content.decode()
    sunday = client_for(tenant_alpha).get(f"/s/massage/day/2026-06-14/?staff={anna.pk}&lang=en").content.decode()
    assert start_parameter(at(13, 8)) not in saturday and start_parameter(at(13, 19)) not in saturday
    assert start_parameter(at(14, 8)) in sunday


def test_connecting_a_calendar_makes_the_sync_due_at_once_and_every_minute_after(tenant_alpha, in_tenant, massage,
                                                                               calendar_account):
    from allot.jobs.models import DueWork

    _service, anna = massage
    connect(tenant_alpha, in_tenant, anna, calendar_account)
    assert DueWork.objects.filter(tenant_schema=tenant_alpha.schema_name, job=SYNC).exists()
    with in_tenant(tenant_alpha):
        now = timezone.now()
        assert calendar_sync_next_due(now) == now
