"""Book for a client from the back office: the operator services lift the booking site's limits but never
capacity, unless the operator accepts the overbooking, which is recorded on the session, the booking and in the
audit log. And the operators' note on a booking."""

from __future__ import annotations

import pytest
from django.db import connection

from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.errors import BookingError, CapacityError
from booking_core.models import AuditEntry, Booking, Client, Service, Session
from booking_core.services.operator_bookings import booking_create_for_client_in_session
from tests.backoffice.clock import at
from tests.factories import OPERATOR, client_details, make_client, make_question, make_service, make_session, make_staff
from tests.waitlist.helpers import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(tenant_alpha, in_tenant):
    """A yoga session on the 12th at 18:00 with both its seats taken; the site allows 1 seat per booking."""
    with in_tenant(tenant_alpha):
        yoga = make_service(name_en="Yoga", price_amount=0)
        session = make_session(yoga, capacity=2, starts_at=at(12, 18), location="Room 1")
        fill(tenant_alpha, session, [1, 1])
        # then the site's limits tighten: a week's notice, one seat per booking
        Service.objects.filter(pk=yoga.pk).update(max_seats_per_booking=1, min_notice_minutes=7 * 24 * 60)
        make_question(yoga, "level", label_en="Your level", required=True)
    connection.set_schema_to_public()
    return session


def form_data(session, **extra) -> dict:
    return {"session": session.pk, "seats": 1, "name": "Kiss Dóra", "email": "dora@example.com",
            "language": "hu", "answer_level": "beginner", "request_key": "k1", **extra}


def counts(tenant, in_tenant, session) -> tuple:
    with in_tenant(tenant):
        fresh = Session.objects.get(pk=session.pk)
        return (Booking.objects.filter(session=session).count(), fresh.seats_booked, fresh.accepted_overbooking,
                Client.objects.filter(email="dora@example.com").count())


def test_the_pages_render(owner, full_session):
    start = owner.get("/office/bookings/new/")
    assert start.status_code == 200
    assert f'href="/office/bookings/new/{full_session.service_id}/"' in start.content.decode()
    form = owner.get(f"/office/bookings/new/{full_session.service_id}/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="allow_overbooking"' in html and "Your level" in html and "0 of 2 free" in html


def test_a_full_session_is_refused_and_nothing_changes(owner, tenant_alpha, in_tenant, full_session):
    before = counts(tenant_alpha, in_tenant, full_session)
    response = owner.post(f"/office/bookings/new/{full_session.service_id}/", form_data(full_session))
    assert response.status_code == 400
    assert "This session is full." in response.content.decode()
    assert "allow_overbooking" in response.context["form"].errors
    assert counts(tenant_alpha, in_tenant, full_session) == before == (2, 2, 0, 0)


def test_a_full_session_is_booked_with_the_overbooking_accepted_and_recorded(owner, tenant_alpha, in_tenant,
                                                                            full_session):
    # when: the operator accepts the overbooking, for two seats (more than the site's 1 per booking), within
    # the site's notice of a week
    response = owner.post(f"/office/bookings/new/{full_session.service_id}/",
                          form_data(full_session, seats=2, allow_overbooking="on"), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "beyond the capacity" in html and "The booking is made" in html
    # then: the booking, the session's accepted overbooking and the audit entries record it
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(session=full_session, client__email="dora@example.com")
        assert (booking.seats, booking.overbooked_seats, booking.source, booking.status) == (2, 2, "operator",
                                                                                            "confirmed")
        assert booking.answers[0]["value"] == "beginner" and booking.language == "hu"
        session = Session.objects.get(pk=full_session.pk)
        assert (session.seats_booked, session.capacity, session.accepted_overbooking) == (4, 2, 2)
        created = AuditEntry.objects.get(object_type="booking", object_id=booking.pk, action="booking.created")
        assert created.after["overbooked_seats"] == 2 and created.after["overbooking_allowed"] is True
        assert created.actor_label == "alpha_owner@example.com"
        accepted = AuditEntry.objects.get(object_type="session", object_id=session.pk,
                                          action="session.overbooking_accepted")
        assert accepted.after == {"seats": 2, "booking": booking.pk, "accepted_overbooking": 2}
        assert OutboxMessage.objects.filter(subject_ref=f"booking:{booking.pk}", recipient="dora@example.com").exists()
    # and a second submission of the same form changes nothing
    owner.post(f"/office/bookings/new/{full_session.service_id}/",
               form_data(full_session, seats=2, allow_overbooking="on"))
    assert counts(tenant_alpha, in_tenant, full_session) == (3, 4, 2, 1)


def test_free_seats_need_no_overbooking_and_record_none(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Pilates", price_amount=0), capacity=3, starts_at=at(12, 18))
    connection.set_schema_to_public()
    owner.post(f"/office/bookings/new/{session.service_id}/",
               {"session": session.pk, "seats": 2, "name": "A", "email": "a@example.com", "language": "en"})
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(session=session)
        assert (booking.seats, booking.overbooked_seats) == (2, 0)
        assert Session.objects.get(pk=session.pk).accepted_overbooking == 0


def test_bad_input_is_refused_next_to_the_fields_and_changes_nothing(owner, tenant_alpha, in_tenant, full_session):
    before = counts(tenant_alpha, in_tenant, full_session)
    response = owner.post(f"/office/bookings/new/{full_session.service_id}/",
                          {"session": "", "seats": "0", "name": "", "email": "not-an-email", "language": "xx"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"session", "seats", "name", "email", "language"}
    assert "field--error" in response.content.decode()
    # a missing required answer comes back from the service, next to its question
    missing = owner.post(f"/office/bookings/new/{full_session.service_id}/",
                         form_data(full_session, answer_level="", allow_overbooking="on"))
    assert missing.status_code == 400
    assert "answer_level" in missing.context["form"].errors
    assert counts(tenant_alpha, in_tenant, full_session) == before


def test_an_appointment_for_an_existing_client_ignores_the_notice_but_never_a_taken_time(owner, tenant_alpha,
                                                                                         in_tenant):
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", min_notice_minutes=3 * 24 * 60,
                               price_amount=0)
        anna = make_staff(massage, name="Anna", hours=((8, 18),))
        known = make_client("known@example.com")
    connection.set_schema_to_public()
    page = owner.get(f"/office/bookings/new/{massage.pk}/", {"client": known.pk})
    assert 'value="known@example.com"' in page.content.decode()
    data = {"staff": anna.pk, "date": "2026-06-10", "time": "14:00", "name": known.name, "email": known.email,
            "language": "en"}
    # today at 14:00, within the site's three days of notice
    made = owner.post(f"/office/bookings/new/{massage.pk}/", data)
    assert made.status_code == 302
    # the same time again is taken: refused next to the time
    again = owner.post(f"/office/bookings/new/{massage.pk}/", {**data, "email": "other@example.com"})
    assert again.status_code == 400 and "time" in again.context["form"].errors
    # outside Anna's hours too
    late = owner.post(f"/office/bookings/new/{massage.pk}/", {**data, "time": "19:00"})
    assert late.status_code == 400
    with in_tenant(tenant_alpha):
        (booking,) = Booking.objects.filter(service=massage)
        assert (booking.client_id, booking.starts_at, booking.staff_id) == (known.pk, at(10, 14), anna.pk)
        assert Client.objects.filter(email="other@example.com").count() == 0


def test_another_tenants_service_or_session_is_a_404(member_client, tenant_alpha, tenant_beta, in_tenant,
                                                     full_session):
    with in_tenant(tenant_beta):
        beta_session = make_session(make_service(name_en="Schwimmen", price_amount=0), capacity=3, starts_at=at(12, 10))
    connection.set_schema_to_public()
    owner = member_client(tenant_alpha, "alpha_owner")
    unknown = max(beta_session.service_id, full_session.service_id) + 1000
    assert owner.get(f"/office/bookings/new/{unknown}/").status_code == 404
    # beta's session id under alpha's service: not one of the choices
    response = owner.post(f"/office/bookings/new/{full_session.service_id}/",
                          {**form_data(full_session, allow_overbooking="on"), "session": beta_session.pk + 1000})
    assert response.status_code == 400 and "session" in response.context["form"].errors
    with in_tenant(tenant_beta):
        assert Booking.objects.count() == 0


def test_the_operator_service_refuses_clients_and_needs_the_overbooking_said(tenant_alpha, in_tenant, full_session):
    with in_tenant(tenant_alpha):
        session = Session.objects.select_related("service").get(pk=full_session.pk)
        with pytest.raises(BookingError):
            booking_create_for_client_in_session(tenant=tenant_alpha, session=session, seats=1,
                                                 client=client_details(), answers={"level": "x"},
                                                 actor=Actor.client("x@example.com"), allow_overbooking=True)
        with pytest.raises(CapacityError):
            booking_create_for_client_in_session(tenant=tenant_alpha, session=session, seats=1,
                                                 client=client_details(), answers={"level": "x"}, actor=OPERATOR)
        assert Session.objects.get(pk=session.pk).seats_booked == 2


# --- the note on a booking ------------------------------------------------------------------------------------


def test_a_note_is_saved_through_the_service_and_in_the_history(owner, tenant_alpha, in_tenant, full_session):
    with in_tenant(tenant_alpha):
        booking = Booking.objects.filter(session=full_session).first()
    connection.set_schema_to_public()
    response = owner.post(f"/office/bookings/{booking.pk}/note/", {"note": "Brings her own mat"}, follow=True)
    html = response.content.decode()
    assert "The note is saved." in html and "Brings her own mat" in html and "booking.note_changed" in html
    too_long = owner.post(f"/office/bookings/{booking.pk}/note/", {"note": "x" * 2001}, follow=True)
    assert too_long.status_code == 200
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).operator_note == "Brings her own mat"
        entry = AuditEntry.objects.get(object_type="booking", object_id=booking.pk, action="booking.note_changed")
        assert entry.before == {"operator_note": ""} and entry.after == {"operator_note": "Brings her own mat"}


def test_another_tenants_booking_note_is_a_404(member_client, tenant_beta, full_session, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        top = Booking.objects.order_by("-pk").first().pk
    connection.set_schema_to_public()
    assert member_client(tenant_beta, "beta_owner").post(f"/office/bookings/{top + 1000}/note/",
                                                         {"note": "x"}).status_code == 404


def test_a_booking_for_a_client_makes_its_reminder_due(owner, tenant_alpha, in_tenant, full_session):
    from allot.jobs.models import DueWork

    # when: an operator books a seat, accepting the overbooking
    response = owner.post(f"/office/bookings/new/{full_session.service_id}/",
                          form_data(full_session, seats=1, allow_overbooking="on"))
    # then: the tenant's reminders job is due before the session starts
    assert response.status_code == 302
    due = DueWork.objects.get(tenant_schema=tenant_alpha.schema_name, job="bookings.reminders").due_at
    assert due < full_session.starts_at
