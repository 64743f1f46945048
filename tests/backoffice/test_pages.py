"""The back office through HTTP: members only, the bookings list with its filters and CSV export, a booking's
page with its actions, and today's page in the tenant's zone. Another tenant's ids are 404s."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection

from allot.outbox.models import OutboxMessage
from booking_core.models import AuditEntry, Booking, Offer, Service
from booking_core.services.bookings import booking_create_group, booking_create_individual
from tests.backoffice.clock import at
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_client, make_question, make_service, make_session, make_staff
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db



@pytest.fixture
def scene(tenant_alpha, in_tenant):
    """Alpha's bookings: a massage today at 22:00 Budapest (20:00 UTC), yoga sessions today at 18:00 and on
    the 12th, and a massage on the 15th booked by a client whose name looks like a spreadsheet formula."""
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", cancellation_cutoff_minutes=60)
        anna = make_staff(massage, name="Anna", hours=((8, 23),))
        yoga = make_service(name_en="Yoga")
        today_session = make_session(yoga, capacity=2, starts_at=at(10, 18), location="Room 1")
        later_session = make_session(yoga, capacity=5, starts_at=at(12, 18), location="Room 2")
        today_massage = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(10, 22), language="en",
            client=client_details("Kiss Dóra", "dora@example.hu"), actor=OPERATOR)
        later_massage = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(15, 10), language="en",
            client=client_details("=HYPERLINK(\"http://x\")", "-evil@example.com"), actor=OPERATOR)
        yoga_today = booking_create_group(tenant=tenant_alpha, session=today_session, seats=1,
                                          client=client_details("Nagy Péter", "peter@example.com"), actor=OPERATOR)
        yoga_later = booking_create_group(tenant=tenant_alpha, session=later_session, seats=2,
                                          client=client_details("Szabó Éva", "eva@example.com"), actor=OPERATOR)
    connection.set_schema_to_public()
    return {"massage": massage, "yoga": yoga, "today_session": today_session, "today_massage": today_massage,
            "later_massage": later_massage, "yoga_today": yoga_today, "yoga_later": yoga_later}



def ids_in(response) -> list[int]:
    return [booking.pk for booking in response.context["page"].object_list]


# --- access -------------------------------------------------------------------------------------------------

PAGES = ["/office/", "/office/today/", "/office/bookings/", "/office/bookings.csv"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client_for, tenant_alpha, path):
    response = client_for(tenant_alpha).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_in_person_who_is_not_a_member_is_refused(client_for, tenant_alpha, user, path):
    from tests.conftest import signed_in

    outsider = signed_in(client_for(tenant_alpha), user("outsider"), tenant_alpha.schema_name)
    assert outsider.get(path).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_a_member_of_another_organisation_gets_nothing_here(member_client, client_for, tenant_alpha, tenant_beta,
                                                           user, path):
    from tests.conftest import signed_in

    # given: beta's owner, signed in on beta; and the same person with a session on alpha's host
    on_beta = member_client(tenant_beta, "beta_owner")
    assert on_beta.get(path).status_code == 200
    on_alpha = signed_in(client_for(tenant_alpha), user("beta_owner"), tenant_alpha.schema_name)
    # then: alpha's back office does not exist for them
    refused = on_alpha.get(path)
    assert refused.status_code == 404
    assert 'href="/office/today/"' not in refused.content.decode()


@pytest.mark.parametrize("name", ["alpha_owner", "alpha_staff"])
def test_members_see_the_layout_with_the_organisation_the_nav_and_sign_out(member_client, tenant_alpha, name):
    html = member_client(tenant_alpha, name).get("/office/").content.decode()
    assert "Alpha Studio" in html
    assert 'href="/office/today/"' in html and 'href="/office/bookings/"' in html
    assert 'action="/accounts/logout/"' in html and "csrfmiddlewaretoken" in html
    assert " style=" not in html and "<script>" not in html


def test_back_office_pages_stay_out_of_caches(owner):
    assert "no-store" in owner.get("/office/bookings/")["Cache-Control"]


# --- the bookings list --------------------------------------------------------------------------------------


def test_the_list_shows_every_booking_latest_start_first(owner, scene):
    response = owner.get("/office/bookings/")
    assert response.status_code == 200
    s = scene
    assert ids_in(response) == [s["later_massage"].pk, s["yoga_later"].pk, s["today_massage"].pk,
                                s["yoga_today"].pk]
    assert ids_in(owner.get("/office/bookings/", {"order": "start"}))[0] == s["yoga_today"].pk


def test_the_date_range_is_in_the_tenants_zone_and_inclusive(owner, scene):
    # 22:00 Budapest on the 10th is 20:00 UTC; the 10th alone in Budapest catches it and the 18:00 session
    only_10th = owner.get("/office/bookings/", {"date_from": "2026-06-10", "date_to": "2026-06-10"})
    assert sorted(ids_in(only_10th)) == sorted([scene["today_massage"].pk, scene["yoga_today"].pk])
    from_11th = owner.get("/office/bookings/", {"date_from": "2026-06-11"})
    assert sorted(ids_in(from_11th)) == sorted([scene["later_massage"].pk, scene["yoga_later"].pk])


def test_filters_by_service_status_and_client(owner, scene):
    yoga = owner.get("/office/bookings/", {"service": scene["yoga"].pk})
    assert sorted(ids_in(yoga)) == sorted([scene["yoga_today"].pk, scene["yoga_later"].pk])
    assert ids_in(owner.get("/office/bookings/", {"q": "dóra"})) == [scene["today_massage"].pk]
    assert ids_in(owner.get("/office/bookings/", {"q": "EVA@example"})) == [scene["yoga_later"].pk]
    assert ids_in(owner.get("/office/bookings/", {"status": "cancelled"})) == []
    anna = scene["today_massage"].staff_id
    assert ids_in(owner.get("/office/bookings/", {"staff": anna, "order": "start"})) == [
        scene["today_massage"].pk, scene["later_massage"].pk]
    assert ids_in(owner.get("/office/bookings/", {"source": "waitlist"})) == []
    assert len(ids_in(owner.get("/office/bookings/", {"source": "web"}))) == 4  # the factories' default


def test_bad_filters_are_refused_next_to_the_field(owner, scene):
    response = owner.get("/office/bookings/", {"date_from": "2026-06-12", "date_to": "2026-06-01",
                                               "status": "sleeping"})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"date_to", "status"}
    assert "field--error" in response.content.decode()
    assert owner.get("/office/bookings/", {"date_from": "yesterday"}).status_code == 400


def test_the_list_is_paginated_with_the_filters_kept(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Big class"), capacity=200, starts_at=at(20, 10))
        fill(tenant_alpha, session, [1] * 60)
    connection.set_schema_to_public()
    first = owner.get("/office/bookings/", {"q": "example.com"})
    assert len(ids_in(first)) == 50 and first.context["page"].paginator.count == 60
    assert "q=example.com&amp;page=2" in first.content.decode()
    second = owner.get("/office/bookings/", {"q": "example.com", "page": 2})
    assert len(ids_in(second)) == 10 and not set(ids_in(first)) & set(ids_in(second))


def test_the_list_costs_the_same_queries_for_5_or_50_bookings(owner, tenant_alpha, in_tenant,
                                                               django_assert_max_num_queries):
    # given: 5 bookings
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Big class"), capacity=200, starts_at=at(20, 10))
        fill(tenant_alpha, session, [1] * 5)
    connection.set_schema_to_public()
    owner.get("/office/bookings/")  # warm caches (catalogue, session)
    # then: the session, the user, the membership, the subscription (the layout's billing banner), the services
    # and staff (filter choices), the count and the page (a `SET search_path` may come on top)
    with django_assert_max_num_queries(9) as few:
        owner.get("/office/bookings/")
    # and with 50 bookings on the page, no more
    with in_tenant(tenant_alpha):
        fill(tenant_alpha, session, [1] * 45)
    connection.set_schema_to_public()
    with django_assert_max_num_queries(9) as many:
        response = owner.get("/office/bookings/")
    assert len(ids_in(response)) == 50
    assert len(real_queries(many)) == len(real_queries(few)) == 8


# --- CSV export ---------------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_a_header_and_the_filtered_rows_with_local_times(owner, scene):
    rows = read_csv(owner.get("/office/bookings.csv", {"service": scene["massage"].pk, "order": "start"}))
    assert rows[0][:3] == ["Booking", "Starts", "Ends"]
    assert [row[0] for row in rows[1:]] == [str(scene["today_massage"].pk), str(scene["later_massage"].pk)]
    assert rows[1][1] == "2026-06-10 22:00" and rows[1][5] == "Kiss Dóra"


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(owner, scene):
    rows = read_csv(owner.get("/office/bookings.csv", {"q": "evil"}))
    (row,) = rows[1:]
    assert row[5] == "'=HYPERLINK(\"http://x\")"
    assert row[6] == "'-evil@example.com"
    assert row[7] == "'+36 30 123 4567"
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in rows for cell in line)


def test_a_csv_with_bad_filters_is_refused(owner, scene):
    assert owner.get("/office/bookings.csv", {"status": "sleeping"}).status_code == 400


# --- a booking's page and its actions -------------------------------------------------------------------------


def test_a_bookings_page_shows_the_client_answers_and_history(owner, scene):
    html = owner.get(f"/office/bookings/{scene['today_massage'].pk}/").content.decode()
    assert "Kiss Dóra" in html and "dora@example.hu" in html and "Massage" in html
    assert "2026-06-10 22:00" in html  # in Budapest
    assert "booking.created" in html and "tests" in html  # the history: created by the test's operator
    pk = scene["today_massage"].pk
    assert f'action="/office/bookings/{pk}/cancel/"' in html


def test_another_tenants_booking_id_is_a_404(member_client, tenant_alpha, tenant_beta, in_tenant, scene):
    # given: a booking on beta
    with in_tenant(tenant_beta):
        service = make_service(name_en="Schwimmen")
        session = make_session(service, capacity=3, starts_at=at(11, 10))
        beta_booking = booking_create_group(tenant=tenant_beta, session=session, seats=1,
                                            client=client_details("Beta Client"), actor=OPERATOR)
    connection.set_schema_to_public()
    owner = member_client(tenant_alpha, "alpha_owner")
    # then: its id on alpha's host (where no booking has it, or another one does) never shows beta's
    unknown = max(beta_booking.pk, scene["yoga_later"].pk) + 1000
    assert owner.get(f"/office/bookings/{unknown}/").status_code == 404
    assert owner.post(f"/office/bookings/{unknown}/cancel/", {"reason": "x"}).status_code == 404
    response = owner.get(f"/office/bookings/{beta_booking.pk}/")
    assert response.status_code == 404 or "Beta Client" not in response.content.decode()
    # and beta's owner sees it on beta
    assert "Beta Client" in member_client(tenant_beta, "beta_owner").get(
        f"/office/bookings/{beta_booking.pk}/").content.decode()


def test_cancelling_goes_through_the_service_emails_the_client_and_offers_the_seat(
        owner, tenant_alpha, in_tenant):
    # given: a full session with a client waiting (offers wait for release)
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=2, starts_at=at(12, 10))
        booking, _other = fill(tenant_alpha, session, [1, 1])
        waiting = join(tenant_alpha, session, seats=1)
    connection.set_schema_to_public()
    # when
    response = owner.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": "The pool is closed"}, follow=True)
    # then
    assert "The booking is cancelled" in response.content.decode()
    with in_tenant(tenant_alpha):
        booking.refresh_from_db()
        assert (booking.status, booking.cancellation_reason, booking.cancelled_by) == (
            "cancelled", "The pool is closed", "operator")
        assert OutboxMessage.objects.filter(subject_ref=f"booking:{booking.pk}",
                                            event_type="booking.cancelled").exists()
        assert Offer.objects.filter(entry=waiting).exists()
        entry = AuditEntry.objects.get(object_type="booking", object_id=booking.pk, action="booking.cancelled")
        assert entry.actor_label == "alpha_owner@example.com"
    # and the booking's page shows the cancellation and the message waiting to be sent
    page = owner.get(f"/office/bookings/{booking.pk}/")
    assert "booking.cancelled" in page.content.decode() and "The pool is closed" in page.content.decode()
    sent = [(m.event_type, m.recipient) for m in page.context["notifications"]]
    assert ("booking.cancelled", booking.client.email) in sent


def test_a_refused_cancellation_is_a_message_and_changes_nothing(owner, scene, tenant_alpha, in_tenant):
    booking = scene["yoga_later"]
    # without a reason (the client sees it, so operators must give one)
    response = owner.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": ""}, follow=True)
    assert "Give a reason for the cancellation" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_actions_need_post_and_csrf(client_for, tenant_alpha, user, scene):
    from django.test import Client

    from tests.conftest import host_of, signed_in

    strict = signed_in(Client(HTTP_HOST=host_of(tenant_alpha), enforce_csrf_checks=True), user("alpha_owner"),
                       tenant_alpha.schema_name)
    booking = scene["yoga_later"]
    assert strict.get(f"/office/bookings/{booking.pk}/cancel/").status_code == 405
    assert strict.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_attendance_is_recorded_once_the_booking_has_started_and_refused_before(owner, scene, tenant_alpha,
                                                                                 in_tenant):
    future = scene["yoga_later"]
    refused = owner.post(f"/office/bookings/{future.pk}/attendance/", {"attended": "1"}, follow=True)
    assert "once the booking has started" in refused.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=future.pk).status == "confirmed"
    # when the session has started (18:30 on the 10th)
    started = scene["yoga_today"]
    with time_machine.travel(at(10, 18, 30), tick=False):
        page = owner.get(f"/office/bookings/{started.pk}/").content.decode()
        assert "Mark no-show" in page
        done = owner.post(f"/office/bookings/{started.pk}/attendance/", {"attended": "0"}, follow=True)
    assert "Marked as a no-show." in done.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=started.pk).status == "no_show"


# --- today ----------------------------------------------------------------------------------------------------


def test_today_shows_todays_appointments_and_sessions_in_the_tenants_zone(owner, scene):
    response = owner.get("/office/today/")
    assert response.status_code == 200
    assert [b.pk for b in response.context["appointments"]] == [scene["today_massage"].pk]
    assert [s.pk for s in response.context["sessions"]] == [scene["today_session"].pk]
    assert [b.pk for b in response.context["group_bookings"]] == [scene["yoga_today"].pk]
    html = response.content.decode()
    assert "22:00" in html and "1 of 2" in html and "Room 1" in html


def test_today_follows_the_local_date_not_utc(owner, scene):
    # 00:30 on the 11th in Budapest is still the 10th in UTC: the 10th's bookings are no longer today's
    with time_machine.travel(at(11, 0, 30), tick=False):
        response = owner.get("/office/today/")
    assert response.context["appointments"] == [] and response.context["sessions"] == []
    assert response.context["today"] == dt.date(2026, 6, 11)


def test_cancelling_from_a_full_session_then_releasing_the_prepared_offer_from_today(
        owner, member_client, tenant_alpha, tenant_beta, in_tenant):
    # given: a full session, a client waiting, offers wait for an operator
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=1, starts_at=at(10, 19))
        (booking,) = fill(tenant_alpha, session, [1])
        waiting = join(tenant_alpha, session, seats=1)
    connection.set_schema_to_public()
    # when: the booking is cancelled from its page
    owner.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": "Ill"})
    # then: today lists the prepared offer with a release button
    today = owner.get("/office/today/")
    (offer,) = today.context["prepared_offers"]
    assert offer.entry_id == waiting.pk
    assert f'action="/office/offers/{offer.pk}/release/"' in today.content.decode()
    # and another organisation's back office knows no such offer
    assert member_client(tenant_beta, "beta_owner").post(f"/office/offers/{offer.pk}/release/").status_code == 404
    # when: released
    released = owner.post(f"/office/offers/{offer.pk}/release/", follow=True)
    assert "The offer is on its way to" in released.content.decode()
    assert released.context["prepared_offers"] == []
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=offer.pk).status == "sent"
        assert OutboxMessage.objects.filter(recipient=waiting.client.email, event_type="waitlist.offer").count() == 1
    # and a second click changes nothing
    assert owner.post(f"/office/offers/{offer.pk}/release/", follow=True).status_code == 200
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=offer.pk).status == "sent"
        assert OutboxMessage.objects.filter(recipient=waiting.client.email, event_type="waitlist.offer").count() == 1


def test_today_warns_about_messages_that_could_not_be_sent(owner, scene, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        OutboxMessage.objects.filter(subject_ref=f"booking:{scene['today_massage'].pk}").update(status="dead")
        dead = OutboxMessage.objects.filter(status="dead", tenant_schema=tenant_alpha.schema_name).count()
    connection.set_schema_to_public()
    assert dead >= 1
    response = owner.get("/office/today/")
    assert response.context["dead_notifications"] == dead
    assert "could not be sent" in response.content.decode()
    assert owner.get("/admin/outbox/outboxmessage/?status__exact=dead").status_code == 200


def test_an_appointment_is_moved_to_a_free_local_time_and_refused_onto_a_taken_one(owner, scene, tenant_alpha,
                                                                                    in_tenant):
    booking = scene["later_massage"]  # the 15th at 10:00 with Anna
    page = owner.get(f"/office/bookings/{booking.pk}/").content.decode()
    assert f'action="/office/bookings/{booking.pk}/reschedule/"' in page and 'value="2026-06-15"' in page
    # when: moved to 14:30 local
    moved = owner.post(f"/office/bookings/{booking.pk}/reschedule/", {"date": "2026-06-15", "time": "14:30"},
                       follow=True)
    assert "The booking is moved to 2026-06-15 14:30" in moved.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).starts_at == at(15, 14, 30)
        assert OutboxMessage.objects.filter(subject_ref=f"booking:{booking.pk}",
                                            event_type="booking.rescheduled").count() == 1
    connection.set_schema_to_public()
    # when: onto today's 22:00, which Anna already has
    refused = owner.post(f"/office/bookings/{booking.pk}/reschedule/", {"date": "2026-06-10", "time": "22:00"},
                         follow=True)
    assert "no longer available" in refused.content.decode()
    # and nonsense input
    bad = owner.post(f"/office/bookings/{booking.pk}/reschedule/", {"date": "soon", "time": ""}, follow=True)
    assert "Give the new date and time." in bad.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).starts_at == at(15, 14, 30)


def test_a_bookings_page_shows_the_answers_to_the_booking_form(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, name_en="Physio")
        make_question(service, "injury", label_en="Which injury?")
        make_question(service, "first_visit", field_type="checkbox", label_en="First visit")
        staff = make_staff(service, name="Béla")
        booking = booking_create_individual(
            tenant=tenant_alpha, service=service, staff=staff, starts_at=at(16, 9), language="en",
            client=client_details("Kovács Ili", "ili@example.com"), answers={"injury": "Knee", "first_visit": True},
            actor=OPERATOR)
    connection.set_schema_to_public()
    html = owner.get(f"/office/bookings/{booking.pk}/").content.decode()
    assert "<dt>Which injury?</dt><dd>Knee</dd>" in html
    assert "<dt>First visit</dt><dd>Yes</dd>" in html


def test_the_csv_is_streamed(owner, scene):
    response = owner.get("/office/bookings.csv")
    assert response.streaming
    assert len(read_csv(response)) == 1 + 4


def test_today_costs_a_fixed_number_of_queries(owner, scene, tenant_alpha, in_tenant, django_assert_max_num_queries):
    owner.get("/office/today/")
    with django_assert_max_num_queries(9) as few:
        owner.get("/office/today/")
    # given: ten more bookings today
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Big class"), capacity=50, starts_at=at(10, 20))
        fill(tenant_alpha, session, [1] * 10)
    connection.set_schema_to_public()
    with django_assert_max_num_queries(9) as many:
        response = owner.get("/office/today/")
    assert len(response.context["group_bookings"]) == 11
    assert len(real_queries(many)) == len(real_queries(few))


def test_arrivals_are_recorded_from_today_once_the_booking_has_started(owner, scene, tenant_alpha, in_tenant):
    started = scene["yoga_today"]  # 18:00 today
    # before it starts: no buttons
    assert f'action="/office/bookings/{started.pk}/attendance/"' not in owner.get("/office/today/").content.decode()
    with time_machine.travel(at(10, 18, 10), tick=False):
        today = owner.get("/office/today/").content.decode()
        assert f'action="/office/bookings/{started.pk}/attendance/"' in today
        response = owner.post(f"/office/bookings/{started.pk}/attendance/", {"attended": "1", "back": "today"})
    assert response.status_code == 302 and response["Location"] == "/office/today/"
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=started.pk).status == "attended"


def test_every_back_office_page_keeps_the_strict_content_security_policy(owner, scene):
    from tests.public_site.test_security_headers import assert_strict_page

    for path in ["/office/", "/office/today/", "/office/bookings/", f"/office/bookings/{scene['today_massage'].pk}/",
                 "/office/bookings/?status=sleeping"]:
        assert_strict_page(owner.get(path))


def test_a_csv_of_10000_bookings_is_streamed_in_a_few_queries(owner, tenant_alpha, in_tenant,
                                                              django_assert_max_num_queries):
    # given: 10,000 bookings (set straight in the database: the scene, not the code under test)
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Big class")
        session = make_session(service, capacity=10_000, starts_at=at(20, 10))
        client = make_client("many@example.com")
        Booking.objects.bulk_create([
            Booking(service=service, session=session, client=client, starts_at=session.starts_at,
                    ends_at=session.ends_at, manage_token=f"bulk-{number}")
            for number in range(10_000)
        ], batch_size=2000)
    connection.set_schema_to_public()
    # when
    with django_assert_max_num_queries(12):
        response = owner.get("/office/bookings.csv", {"service": service.pk})
        lines = sum(1 for _line in response.streaming_content)
    # then: a header and every booking, read in chunks rather than all at once
    assert response.streaming and lines == 1 + 10_000


def test_names_are_escaped_in_the_booking_rows_and_the_calendar(owner, tenant_alpha, in_tenant):
    # given: a service, a staff member and a client whose names look like markup (rows are built in Python)
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage <b>&</b>")
        anna = make_staff(massage, name="<i>Anna</i>", hours=((8, 23),))
        booking_create_individual(tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(10, 22),
                                  client=client_details("<script>x</script>", "x@example.com"), actor=OPERATOR)
    connection.set_schema_to_public()
    for path in ("/office/bookings/", "/office/today/", "/office/calendar/"):
        html = owner.get(path).content.decode()
        assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html, path
        assert "Massage &lt;b&gt;&amp;&lt;/b&gt;" in html and "<i>Anna" not in html, path
        assert ">2026-06-10 22:00</a>" in html or 'datetime="2026-06-10T22:00:00+02:00"' in html, path
