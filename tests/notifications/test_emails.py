"""What clients receive: each event type rendered in their language, with calendar files and working links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.messages.reminders import reminders_dispatch
from booking_core.models import Booking, Service
from booking_core.services.bookings import booking_cancel, booking_create_individual, booking_reschedule
from tests.factories import OPERATOR, client_details, make_service, make_staff, next_local

pytestmark = pytest.mark.django_db


def _deliver(event_type: str, booking: Booking, outbox_mail) -> object:
    row = OutboxMessage.objects.filter(event_type=event_type, subject_ref=f"booking:{booking.pk}").latest("id")
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # scheduled ones: due now
    assert delivery.deliver(row.pk) == "sent"
    return outbox_mail[-1]


def _calendar(email) -> Calendar:
    (ics,) = [content for name, content, mimetype in email.attachments if name.endswith(".ics")]
    return Calendar.from_ical(ics)


@pytest.fixture
def appointment(alpha):
    """A Hungarian client's appointment next Monday 10:00 in Budapest."""
    service = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", name_hu="Masszázs", name_de="Massage",
                           cancellation_cutoff_minutes=60)
    staff = make_staff(service, name="Anna")
    starts_at = next_local(alpha.zone, weekday=0, hour=10)
    return booking_create_individual(tenant=alpha, service=service, staff=staff, starts_at=starts_at,
                                     language="hu", client=client_details("Kiss Dóra", "dora@example.hu"),
                                     actor=OPERATOR)


def test_a_confirmation_speaks_the_clients_language_and_carries_a_calendar_file_in_the_tenants_zone(
    appointment, alpha, outbox_mail
):
    # when
    email = _deliver("booking.confirmed", appointment, outbox_mail)
    # then
    assert email.subject == "Foglalás megerősítve: Masszázs"
    assert email.body.startswith("Kedves Kiss Dóra!")
    assert "A foglalásodat megerősítettük." in email.body
    assert f"http://alpha.localhost/b/{appointment.manage_token}/" in email.body.replace("https://", "http://")
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Masszázs" in html
    event = _calendar(email).walk("VEVENT")[0]
    assert event.decoded("dtstart") == appointment.starts_at
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Budapest"
    assert event["dtstart"].params["TZID"] == "Europe/Budapest"
    assert str(event["status"]) == "CONFIRMED"


def test_an_operator_cancellation_in_german_gives_the_reason_and_cancels_the_calendar_entry(
    alpha, appointment, outbox_mail
):
    # given
    Booking.objects.filter(pk=appointment.pk).update(language="de")
    appointment.refresh_from_db()
    # when
    booking_cancel(tenant=alpha, booking=appointment, actor=OPERATOR, reason="Trainerin krank")
    row = OutboxMessage.objects.get(event_type="booking.cancelled", subject_ref=f"booking:{appointment.pk}")
    assert row.language == "de"
    email = _deliver("booking.cancelled", appointment, outbox_mail)
    # then
    assert email.subject == "Buchung storniert: Massage"
    assert "Trainerin krank" in email.body
    assert str(_calendar(email).walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_a_client_cancellation_is_acknowledged_without_a_reason(alpha, appointment, outbox_mail):
    # when
    booking_cancel(tenant=alpha, booking=appointment, actor=Actor.client("dora@example.hu"))
    email = _deliver("booking.cancelled", appointment, outbox_mail)
    # then
    assert "A kérésedre lemondtuk a foglalásodat." in email.body


def test_a_reschedule_names_the_old_time_and_updates_the_calendar(alpha, appointment, outbox_mail):
    # given
    old_start = appointment.starts_at
    new_start = old_start + dt.timedelta(hours=2)
    # when
    booking_reschedule(tenant=alpha, booking=appointment, starts_at=new_start, actor=OPERATOR)
    email = _deliver("booking.rescheduled", appointment, outbox_mail)
    # then
    assert email.subject == "Foglalás átütemezve: Masszázs"
    event = _calendar(email).walk("VEVENT")[0]
    assert event.decoded("dtstart") == new_start
    first_sequence = int(event["sequence"])
    assert first_sequence > 0


def test_reminders_and_attendance_requests_link_to_confirm_and_cancel_only_when_self_service_is_on(
    alpha, appointment, outbox_mail
):
    # given: the moment of the 24-hour reminder and of the attendance request has come
    alpha.reminder_offsets_minutes = [24 * 60]
    alpha.attendance_request_offset_minutes = 24 * 60
    Booking.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - dt.timedelta(days=3))
    # when
    assert reminders_dispatch(now=appointment.starts_at - dt.timedelta(hours=23)) == 2
    reminder = _deliver("booking.reminder", appointment, outbox_mail)
    request = _deliver("booking.attendance_request", appointment, outbox_mail)
    # then
    assert reminder.subject == "Emlékeztető: Masszázs"
    assert f"/b/{appointment.manage_token}/confirm/" in request.body
    assert f"/b/{appointment.manage_token}/cancel/" in request.body

    # given: self-service switched off for the service
    Service.objects.filter(pk=appointment.service_id).update(self_service=Service.SelfService.OFF)
    row = OutboxMessage.objects.get(event_type="booking.attendance_request", subject_ref=f"booking:{appointment.pk}")
    OutboxMessage.objects.filter(pk=row.pk).update(status="pending")
    # when
    request = _deliver("booking.attendance_request", appointment, outbox_mail)
    # then: no cancel link, the organisation is named instead
    assert f"/b/{appointment.manage_token}/cancel/" not in request.body
    assert "Alpha Studio" in request.body


def test_the_attendance_link_shows_a_page_and_only_a_post_confirms(alpha, appointment, client_for):
    client = client_for(alpha)
    # when: the link from the email is opened (mail scanners do this too)
    page = client.get(f"/b/{appointment.manage_token}/confirm/")
    # then: nothing changed yet
    assert page.status_code == 200
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is None
    # when: the client presses the button
    confirmed = client.post(f"/b/{appointment.manage_token}/confirm/")
    # then
    assert confirmed.status_code == 200
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is not None
    assert Booking.objects.get(pk=appointment.pk).status == "confirmed"


def test_the_cancel_link_cancels_with_self_service_on_and_refuses_with_it_off(alpha, appointment, client_for):
    client = client_for(alpha)
    # given: self-service off
    Service.objects.filter(pk=appointment.service_id).update(self_service=Service.SelfService.OFF)
    # when
    refused = client.post(f"/b/{appointment.manage_token}/cancel/")
    # then
    assert refused.status_code == 200
    assert Booking.objects.get(pk=appointment.pk).status == "confirmed"
    # given: self-service on
    Service.objects.filter(pk=appointment.service_id).update(self_service=Service.SelfService.ON)
    # when
    cancelled = client.post(f"/b/{appointment.manage_token}/cancel/")
    # then
    assert cancelled.status_code == 302
    assert Booking.objects.get(pk=appointment.pk).status == "cancelled"


def test_an_unknown_link_is_a_404_and_another_tenants_link_too(alpha, appointment, client_for, tenant_beta):
    assert client_for(alpha).get("/b/not-a-token/").status_code == 404
    assert client_for(tenant_beta).get(f"/b/{appointment.manage_token}/").status_code == 404
    assert client_for(tenant_beta).post(f"/b/{appointment.manage_token}/cancel/").status_code == 404


def test_a_member_retries_a_dead_message_from_the_back_office(alpha, appointment, member_client):
    # given
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{appointment.pk}")
    OutboxMessage.objects.filter(pk=row.pk).update(status="dead", attempts=6, last_error="SMTP refused")
    client = member_client(alpha, "alpha_owner")
    # when
    response = client.post("/admin/outbox/outboxmessage/", {"action": "retry", "_selected_action": [row.pk]})
    # then
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_a_member_cannot_see_or_retry_another_tenants_messages(alpha, appointment, member_client, tenant_beta):
    # given
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{appointment.pk}")
    OutboxMessage.objects.filter(pk=row.pk).update(status="dead")
    client = member_client(tenant_beta, "beta_owner")
    # when
    listing = client.get("/admin/outbox/outboxmessage/")
    client.post("/admin/outbox/outboxmessage/", {"action": "retry", "_selected_action": [row.pk]})
    # then
    assert "dora@example.hu" not in listing.content.decode()
    assert OutboxMessage.objects.get(pk=row.pk).status == "dead"
