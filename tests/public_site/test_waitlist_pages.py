"""Joining a waitlist from the booking site, the confirmation, and the waitlist status page behind the link
in the emails: positions, refusals next to the fields, double submits, leaving, other tenants' links."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import Booking, FormField, Offer, Service, Session, WaitlistEntry
from booking_core.selectors.public_pages import waitlist_expected_positions
from booking_core.services.bookings import ClientDetails, booking_create_individual
from booking_core.waitlist.selectors.entries import waitlist_expected_position
from booking_core.waitlist.services.entries import waitlist_join
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_question, make_session
from tests.public_site.conftest import text_of
from tests.public_site.waitlist_scene import fill, free_a_seat, join, offer_of

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    data = {"seats": "2", "name": "Jonas Weber", "email": "jonas@example.de", "phone": "",
            "answer_child_name": "Mia"}
    data.update(overrides)
    return data


def entries(tenant, in_tenant, email="jonas@example.de") -> list[WaitlistEntry]:
    with in_tenant(tenant):
        return list(WaitlistEntry.objects.filter(client__email=email).order_by("pk"))


def join_path(site, language="en") -> str:
    return f"/s/swimming/sessions/{site.full_session.pk}/waitlist/?lang={language}"


def add_waiting(tenant, in_tenant, session, count: int = 1, **options) -> list[WaitlistEntry]:
    with in_tenant(tenant):
        added = [join(session, **options) for _ in range(count)]
    connection.set_schema_to_public()
    return added


# --- the offer to join, where a session is full -----------------------------------------------------------------


def test_a_full_session_offers_its_waitlist_with_the_position_one_would_get(client_for, tenant_alpha, site,
                                                                            in_tenant):
    # given: two people wait already
    add_waiting(tenant_alpha, in_tenant, site.full_session, 2)
    # when
    html = client_for(tenant_alpha).get("/s/swimming/?lang=en").content.decode()
    # then
    full_row = html.split(f'data-session="{site.full_session.pk}"')[1].split("</li>")[0]
    assert f'href="/s/swimming/sessions/{site.full_session.pk}/waitlist/?lang=en"' in full_row
    assert 'data-waitlist-position="3"' in full_row
    assert "You would be number 3 on the waitlist." in full_row
    open_row = html.split(f'data-session="{site.open_session.pk}"')[1].split("</li>")[0]
    assert "waitlist" not in open_row


def test_the_seats_step_and_the_full_page_of_a_full_session_offer_the_waitlist_too(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    seats_step = client.get(f"/s/swimming/sessions/{site.full_session.pk}/?lang=en")
    full_page = client.get(f"/s/swimming/book/?session={site.full_session.pk}&seats=1&lang=en")
    for response in (seats_step, full_page):
        assert f'href="/s/swimming/sessions/{site.full_session.pk}/waitlist/?lang=en"' in response.content.decode()
        assert "You would be number 1 on the waitlist." in text_of(response)


def test_the_positions_of_a_page_are_those_of_the_per_session_selector(tenant_alpha, site, in_tenant):
    # given: entries for the full session, for any session in a range covering it, and one for another day
    with in_tenant(tenant_alpha):
        other_full = make_session(site.swim, capacity=1, starts_in_days=9)
        fill(tenant_alpha, other_full)
        join(site.full_session)
        join(site.full_session)
        day = site.full_session.starts_at.astimezone(tenant_alpha.zone).date()
        waitlist_join(tenant=connection.tenant, service=site.swim, date_from=day - dt.timedelta(days=1), date_to=day,
                      client=ClientDetails(name="Ranged", email="ranged@example.com", phone=""),
                      answers={"child_name": "R"}, actor=Actor.client("ranged@example.com"))
        join(other_full)
        sessions = list(Session.objects.filter(service=site.swim).order_by("starts_at"))
        # when
        with CaptureQueriesContext(connection) as captured:
            positions = waitlist_expected_positions(sessions=sessions)
        # then
        assert positions == {session.pk: waitlist_expected_position(session) for session in sessions
                             if session.seats_free == 0}
        assert positions == {site.full_session.pk: 4, other_full.pk: 2}
        assert len(real_queries(captured)) == 1


# --- joining ------------------------------------------------------------------------------------------------------


def test_joining_a_full_sessions_waitlist_end_to_end(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    add_waiting(tenant_alpha, in_tenant, site.full_session)
    # given: the join page, with the position, the seats the service allows and its own question
    page = client.get(join_path(site))
    assert page.status_code == 200
    html = page.content.decode()
    assert "You would be number 2 on the waitlist." in text_of(page)
    assert re.findall(r'<option value="(\d+)"', html) == ["1", "2", "3"]
    assert "Child&#x27;s name" in html or "Child's name" in html
    # when
    response = client.post(join_path(site), form())
    # then: on the list with what was asked, the answers kept for the offer, in the page's language
    [entry] = entries(tenant_alpha, in_tenant)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{entry.token}/joined/?lang=en"
    assert (entry.session_id, entry.seats_wanted, entry.language, entry.source, entry.status) == (
        site.full_session.pk, 2, "en", "web", "waiting")
    assert [(answer["key"], answer["value"]) for answer in entry.answers] == [("child_name", "Mia")]
    # and the confirmation shows the position and links to the status page
    confirmation = client.get(response["Location"])
    assert "You are on the waitlist" in text_of(confirmation)
    assert 'data-waitlist-position="2"' in confirmation.content.decode()
    assert f'href="/w/{entry.token}/?lang=en"' in confirmation.content.decode()


def test_a_missing_answer_is_shown_next_to_its_field_and_nobody_joins(client_for, tenant_alpha, site, in_tenant):
    # when
    response = client_for(tenant_alpha).post(join_path(site), form(answer_child_name="", email="not-an-email"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="id_answer_child_name_error"[^>]*>\s*<li>This field is required.</li>', html)
    assert re.search(r'id="id_email_error"[^>]*>\s*<li>Enter a valid email address.</li>', html)
    assert 'href="#id_answer_child_name"' in html  # the error summary links to the field
    assert entries(tenant_alpha, in_tenant) == []


def test_the_services_refusal_of_an_answer_is_shown_next_to_that_question(client_for, tenant_alpha, site,
                                                                          in_tenant):
    # given: a phone question, which the form takes as text and the service checks
    with in_tenant(tenant_alpha):
        make_question(site.swim, "emergency_phone", FormField.Type.PHONE, label_en="Emergency phone", position=5)
    connection.set_schema_to_public()
    # when
    response = client_for(tenant_alpha).post(join_path(site), form(answer_emergency_phone="call my mum"))
    # then
    assert response.status_code == 400
    assert re.search(r'id="id_answer_emergency_phone_error"[^>]*>\s*<li>Enter a valid phone number.</li>',
                     response.content.decode())
    assert "Some answers need attention." in text_of(response)
    assert entries(tenant_alpha, in_tenant) == []


def test_a_double_submit_joins_once_and_says_so_kindly(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    # when
    first = client.post(join_path(site), form())
    second = client.post(join_path(site), form())
    # then
    assert first.status_code == 302
    assert second.status_code == 409
    assert "You are already on this waitlist" in text_of(second)
    assert 'data-refusal="already_waitlisted"' in second.content.decode()
    assert len(entries(tenant_alpha, in_tenant)) == 1


def test_seats_that_freed_up_meanwhile_are_offered_for_booking_instead(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    assert client.get(join_path(site)).status_code == 200
    # given: the session's booking is cancelled while the client fills in the form (nobody waits)
    with in_tenant(tenant_alpha):
        free_a_seat(tenant_alpha, site.full_session)
    connection.set_schema_to_public()
    # when: two seats are wanted, two are free
    response = client.post(join_path(site), form(seats="2"))
    # then
    assert response.status_code == 409
    assert "Seats have become free" in text_of(response)
    assert f'href="/s/swimming/sessions/{site.full_session.pk}/?lang=en"' in response.content.decode()
    assert entries(tenant_alpha, in_tenant) == []


def test_a_session_with_enough_free_seats_has_nothing_to_wait_for(client_for, tenant_alpha, site):
    response = client_for(tenant_alpha).get(f"/s/swimming/sessions/{site.open_session.pk}/waitlist/?lang=en")
    assert response.status_code == 302
    assert response["Location"] == f"/s/swimming/sessions/{site.open_session.pk}/?lang=en"


def test_the_join_page_of_an_unknown_or_foreign_session_is_404(client_for, tenant_alpha, tenant_beta, site,
                                                                 in_tenant):
    assert client_for(tenant_alpha).get("/s/massage/sessions/1/waitlist/").status_code == 404
    assert client_for(tenant_alpha).get("/s/swimming/sessions/999999/waitlist/").status_code == 404
    beta = client_for(tenant_beta)
    assert beta.get(join_path(site)).status_code == 404
    assert beta.post(join_path(site), form()).status_code == 404
    assert entries(tenant_alpha, in_tenant) == []


def test_the_join_page_speaks_german(client_for, tenant_alpha, site, in_tenant):
    # when
    response = client_for(tenant_alpha).get(join_path(site, "de"))
    # then: the service, the date and the known words in German; the new sentences as translated
    text = text_of(response)
    assert '<html lang="de">' in response.content.decode()
    assert "Schwimmen" in text and "Name des Kindes" in text
    assert "Auf die Warteliste setzen" in text
    assert "Sie wären Nummer 1 auf der Warteliste." in text


def test_joining_in_german_keeps_german_for_the_entry(client_for, tenant_alpha, site, in_tenant):
    response = client_for(tenant_alpha).post(join_path(site, "de"), form())
    [entry] = entries(tenant_alpha, in_tenant)
    assert response["Location"] == f"/w/{entry.token}/joined/?lang=de"
    assert entry.language == "de"


# --- an appointment day without free times --------------------------------------------------------------------


def test_a_fully_booked_day_offers_its_waitlist(client_for, tenant_alpha, site, in_tenant):
    # given: Anna and Max are booked from 9 to 12 on the day
    with in_tenant(tenant_alpha):
        for staff in (site.anna, site.max):
            for hour in (9, 10, 11):
                booking_create_individual(tenant=tenant_alpha, service=site.massage, staff=staff,
                                          starts_at=site.start.replace(hour=hour), client=client_details(),
                                          answers={"topic": "back", "consent": True}, actor=OPERATOR)
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    day = site.start.date().isoformat()
    # when
    day_page = client.get(f"/s/massage/day/{day}/?lang=en")
    # then
    assert "No free times are left on this day." in text_of(day_page)
    assert f'href="/s/massage/day/{day}/waitlist/?lang=en"' in day_page.content.decode()
    # when: the client joins for that day
    join_page = client.get(f"/s/massage/day/{day}/waitlist/?lang=en")
    assert "You would be number 1 on the waitlist." in text_of(join_page)
    assert "<option" not in join_page.content.decode().split("<form")[1].split("answer_topic")[0]  # no seats
    response = client.post(f"/s/massage/day/{day}/waitlist/?lang=en", {
        "name": "Kiss Dóra", "email": "dora@example.hu", "answer_topic": "neck", "answer_consent": "on"})
    # then
    [entry] = entries(tenant_alpha, in_tenant, "dora@example.hu")
    assert response.status_code == 302
    assert (entry.target_kind, entry.date_from, entry.staff_id, entry.seats_wanted) == (
        "date", site.start.date(), None, 1)


def book_out_the_day(tenant, in_tenant, site, *, keep_free=()) -> list:
    """Anna and Max booked from 9 to 12 on the day, but for the (staff, hour) pairs in `keep_free`."""
    bookings = []
    with in_tenant(tenant):
        for staff in (site.anna, site.max):
            for hour in (9, 10, 11):
                if (staff, hour) in keep_free:
                    continue
                bookings.append(booking_create_individual(
                    tenant=tenant, service=site.massage, staff=staff, starts_at=site.start.replace(hour=hour),
                    client=client_details(), answers={"topic": "back", "consent": True}, actor=OPERATOR))
    connection.set_schema_to_public()
    return bookings


def test_a_day_with_free_times_has_nothing_to_wait_for(client_for, tenant_alpha, site, in_tenant):
    # given: only Max's 11:00 is free on the day
    book_out_the_day(tenant_alpha, in_tenant, site, keep_free={(site.max, 11)})
    day = site.start.date().isoformat()
    client = client_for(tenant_alpha)
    # when
    anyone = client.get(f"/s/massage/day/{day}/waitlist/?lang=en")
    with_max = client.get(f"/s/massage/day/{day}/waitlist/?staff={site.max.pk}&lang=en")
    with_anna = client.get(f"/s/massage/day/{day}/waitlist/?staff={site.anna.pk}&lang=en")
    # then: the day's times are booked, not waited for; Anna's day is full
    assert (anyone.status_code, anyone["Location"]) == (302, f"/s/massage/day/{day}/?lang=en")
    assert (with_max.status_code, with_max["Location"]) == (302, f"/s/massage/day/{day}/?staff={site.max.pk}&lang=en")
    assert with_anna.status_code == 200


def test_times_that_freed_up_on_the_day_meanwhile_are_offered_for_booking_instead(client_for, tenant_alpha, site,
                                                                                   in_tenant):
    # given: the client opened the join page of the booked-out day, then a booking was cancelled
    bookings = book_out_the_day(tenant_alpha, in_tenant, site)
    day = site.start.date().isoformat()
    client = client_for(tenant_alpha)
    assert client.get(f"/s/massage/day/{day}/waitlist/?lang=en").status_code == 200
    with in_tenant(tenant_alpha):
        Booking.objects.filter(pk=bookings[0].pk).update(status=Booking.Status.CANCELLED)
    connection.set_schema_to_public()
    # when
    response = client.post(f"/s/massage/day/{day}/waitlist/?lang=en", {
        "name": "Kiss Dóra", "email": "dora@example.hu", "answer_topic": "neck", "answer_consent": "on"})
    # then: no error page; the day's times, to book
    assert response.status_code == 409
    assert "Times have become free on this day" in text_of(response)
    assert f'class="button" href="/s/massage/day/{day}/?lang=en"' in response.content.decode()
    assert entries(tenant_alpha, in_tenant, "dora@example.hu") == []


def test_a_day_outside_the_bookable_range_has_no_waitlist(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    assert client.get("/s/massage/day/2001-01-01/waitlist/").status_code == 404
    assert client.get("/s/massage/day/not-a-day/waitlist/").status_code == 404
    assert client.get("/s/swimming/day/2030-01-01/waitlist/").status_code == 404


# --- the status page ---------------------------------------------------------------------------------------------


def test_the_status_page_shows_the_position_and_what_is_waited_for_in_the_entrys_language(client_for, tenant_alpha,
                                                                                          site, in_tenant):
    # given
    add_waiting(tenant_alpha, in_tenant, site.full_session)
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session, language="de", seats=2)
    # when: the link from the email, no language chosen
    response = client_for(tenant_alpha).get(f"/w/{entry.token}/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert '<html lang="de">' in html
    assert 'data-status="waiting"' in html and 'data-waitlist-position="2"' in html
    assert "Schwimmen" in text and "Pool B" in text and "Europe/Budapest" in text
    assert f'action="/w/{entry.token}/leave/?lang=de"' in html
    assert "Sie sind Nummer 2 auf der Warteliste." in text


def test_a_sent_offer_is_linked_from_the_status_page(client_for, tenant_alpha, site, in_tenant):
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    with in_tenant(tenant_alpha):
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(entry)
    connection.set_schema_to_public()
    response = client_for(tenant_alpha).get(f"/w/{entry.token}/?lang=en")
    assert 'data-status="offered"' in response.content.decode()
    assert "A place is free for you!" in text_of(response)
    assert f'href="/o/{offer.token}/?lang=en"' in response.content.decode()


def test_an_offer_past_its_deadline_is_not_offered_any_more(client_for, tenant_alpha, site, in_tenant):
    # given: the deadline passed a minute ago; the expiry job has not run yet
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    with in_tenant(tenant_alpha):
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(entry)
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    # when
    response = client_for(tenant_alpha).get(f"/w/{entry.token}/?lang=en")
    # then
    assert "A place is free for you!" not in text_of(response)
    assert f"/o/{offer.token}/" not in response.content.decode()


def test_a_prepared_offer_is_not_shown_to_the_client(client_for, tenant_alpha, site, in_tenant):
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    with in_tenant(tenant_alpha):
        free_a_seat(tenant_alpha, site.full_session, auto_send=False)
        offer = offer_of(entry)
    connection.set_schema_to_public()
    response = client_for(tenant_alpha).get(f"/w/{entry.token}/?lang=en")
    assert offer.status == "prepared"
    assert f"/o/{offer.token}/" not in response.content.decode()
    assert 'data-status="offer_prepared"' in response.content.decode()
    assert "You are number 1 on the waitlist." in text_of(response)


def test_leaving_the_waitlist(client_for, tenant_alpha, site, in_tenant):
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    client = client_for(tenant_alpha)
    # when
    response = client.post(f"/w/{entry.token}/leave/?lang=en")
    again = client.post(f"/w/{entry.token}/leave/?lang=en")
    # then: left once; the page says so plainly and leads back to the service
    assert response.status_code == again.status_code == 302
    assert response["Location"] == f"/w/{entry.token}/?done=left&lang=en"
    with in_tenant(tenant_alpha):
        assert WaitlistEntry.objects.get(pk=entry.pk).status == "removed"
    page = client.get(response["Location"])
    text = text_of(page)
    assert "You have left the waitlist." in text and "You are no longer on this waitlist." in text
    assert "Leave the waitlist" not in text
    assert 'href="/s/swimming/?lang=en"' in page.content.decode()


def test_closed_entries_say_so_plainly(client_for, tenant_alpha, site, in_tenant):
    entry_ids = [entry.pk for entry in add_waiting(tenant_alpha, in_tenant, site.full_session, 3)]
    closed = dict(zip(["declined", "expired", "accepted"], entry_ids, strict=True))
    with in_tenant(tenant_alpha):
        for status, entry_id in closed.items():
            WaitlistEntry.objects.filter(pk=entry_id).update(status=status)
        tokens = dict(WaitlistEntry.objects.filter(pk__in=entry_ids).values_list("status", "token"))
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    expected = {
        "declined": "You declined the place offered to you, so you are no longer on this waitlist.",
        "expired": "You are no longer on this waitlist: an offer was not accepted in time, or the time you waited "
                   "for has passed.",
        "accepted": "You accepted an offer from this waitlist: you are booked.",
    }
    for status, sentence in expected.items():
        response = client.get(f"/w/{tokens[status]}/?lang=en")
        assert sentence in text_of(response), status
        assert "Leave the waitlist" not in text_of(response)


def test_a_get_of_the_leave_address_changes_nothing(client_for, tenant_alpha, site, in_tenant):
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    response = client_for(tenant_alpha).get(f"/w/{entry.token}/leave/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/w/{entry.token}/?")
    with in_tenant(tenant_alpha):
        assert WaitlistEntry.objects.get(pk=entry.pk).status == "waiting"


def test_another_tenants_waitlist_links_do_not_exist_here(client_for, tenant_alpha, tenant_beta, site, in_tenant):
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    beta = client_for(tenant_beta)
    for path in ("", "joined/", "leave/"):
        assert beta.get(f"/w/{entry.token}/{path}").status_code == 404, path
    assert beta.post(f"/w/{entry.token}/leave/").status_code == 404
    with in_tenant(tenant_alpha):
        fresh = WaitlistEntry.objects.get(pk=entry.pk)
    assert (fresh.status, fresh.page_views, fresh.updated_at) == ("waiting", 0, entry.updated_at)


def test_the_waitlist_pages_take_a_fixed_number_of_queries(client_for, tenant_alpha, site, in_tenant):
    # given
    [entry] = add_waiting(tenant_alpha, in_tenant, site.full_session)
    client = client_for(tenant_alpha)
    paths = {"sessions": "/s/swimming/?lang=en", "join": join_path(site), "status": f"/w/{entry.token}/?lang=en"}

    def counts() -> dict[str, int]:
        result = {}
        for name, path in paths.items():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200, path
            result[name] = len(real_queries(captured))
        return result

    counts()  # the tenant's host is resolved once, then remembered
    few = counts()
    # when: more full sessions, more people waiting for them and in ranges
    with in_tenant(tenant_alpha):
        for day in range(8, 14):
            session = make_session(site.swim, capacity=1, starts_in_days=day)
            fill(tenant_alpha, session)
            join(session)
            join(site.full_session)
        Service.objects.filter(pk=site.swim.pk).update(max_seats_per_booking=3)
    connection.set_schema_to_public()
    many = counts()
    # then: the same queries however many wait. Inside a test transaction the catalogue cache is bypassed, so
    # its three queries are counted; then the sessions and all their waitlist positions (one query), the
    # session and its position, the entry and its position
    assert many == few
    budget = {"sessions": 3 + 2, "join": 3 + 2, "status": 2}
    assert {name: count <= budget[name] for name, count in few.items()} == dict.fromkeys(budget, True), few
