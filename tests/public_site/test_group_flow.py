"""Booking seats in a group session: service → session → seats → form → review → confirmation."""

import re

import pytest
from django.db import connection

from booking_core.models import Booking, Session
from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details
from tests.public_site.conftest import text_of

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    data = {"name": "Jonas Weber", "email": "jonas@example.de", "answer_child_name": "Mia",
            "idempotency_key": "web-group-key", "step": "review"}
    data.update(overrides)
    return data


def bookings_of(tenant, in_tenant, email="jonas@example.de") -> list[Booking]:
    with in_tenant(tenant):
        return list(Booking.objects.filter(client__email=email))


def test_sessions_show_their_remaining_seats_honestly(client_for, tenant_alpha, site):
    # when
    response = client_for(tenant_alpha).get("/s/swimming/?lang=en")
    # then
    html = response.content.decode()
    rows = re.findall(r'data-session="(\d+)" data-availability="(\w+)"', html)
    assert rows == [(str(site.open_session.pk), "available"), (str(site.few_left_session.pk), "few_left"),
                    (str(site.full_session.pk), "full")]
    text = text_of(response)
    assert "Available: 10 seats left" in text
    assert "Few left: 1 seat" in text
    assert "Full" in text
    assert "Pool A" in text and "Pool B" in text


def test_a_full_session_cannot_be_chosen_and_keeps_a_place_for_the_waitlist(client_for, tenant_alpha, site):
    # when
    html = client_for(tenant_alpha).get("/s/swimming/?lang=en").content.decode()
    # then
    full_row = html.split(f'data-session="{site.full_session.pk}"')[1].split("</li>")[0]
    assert "Choose" not in full_row
    assert f'data-waitlist-slot="{site.full_session.pk}"' in full_row
    open_row = html.split(f'data-session="{site.open_session.pk}"')[1].split("</li>")[0]
    assert f'href="/s/swimming/sessions/{site.open_session.pk}/?lang=en"' in open_row


def test_a_session_with_one_seat_left_goes_straight_to_the_form(client_for, tenant_alpha, site):
    html = client_for(tenant_alpha).get("/s/swimming/?lang=en").content.decode()
    few_row = html.split(f'data-session="{site.few_left_session.pk}"')[1].split("</li>")[0]
    assert f'href="/s/swimming/book/?session={site.few_left_session.pk}&amp;seats=1&amp;lang=en"' in few_row


def test_the_seats_step_offers_what_the_service_and_the_session_allow(client_for, tenant_alpha, site):
    # when: at most 3 per booking, 10 free
    html = client_for(tenant_alpha).get(f"/s/swimming/sessions/{site.open_session.pk}/?lang=en").content.decode()
    # then
    assert re.findall(r'<option value="(\d+)"', html) == ["1", "2", "3"]
    assert 'action="/s/swimming/book/"' in html
    assert f'name="session" value="{site.open_session.pk}"' in html


def test_booking_two_seats_end_to_end(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats=2&lang=de"
    # given: the form, in German, with the service's own question
    page = client.get(path)
    assert page.status_code == 200
    assert "Name des Kindes" in page.content.decode()
    # when
    review = client.post(path, form())
    # then: the total price for two seats, written the German way
    assert review.status_code == 200
    assert "30\u00a0€" in text_of(review)
    assert "Name des Kindes Mia" in text_of(review)
    # when
    booked = client.post(path, form(step="confirm"))
    # then
    assert booked.status_code == 302
    [booking] = bookings_of(tenant_alpha, in_tenant)
    assert booked["Location"] == f"/b/{booking.manage_token}/done/?lang=de"
    assert (booking.session_id, booking.seats, booking.language, booking.status) == (
        site.open_session.pk, 2, "de", "confirmed")
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=site.open_session.pk).seats_booked == 2


def test_seats_taken_in_the_meantime_give_a_clear_message_not_an_error(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats=3&lang=en"
    assert client.post(path, form()).status_code == 200
    # given: someone else takes 8 of the 10 seats
    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=site.open_session, seats=3, client=client_details(),
                             answers={"child_name": "X"}, actor=OPERATOR)
        for _ in range(5):
            booking_create_group(tenant=tenant_alpha, session=site.open_session, seats=1, client=client_details(),
                                 answers={"child_name": "Y"}, actor=OPERATOR)
    connection.set_schema_to_public()
    # when
    response = client.post(path, form(step="confirm"))
    # then
    assert response.status_code == 409
    text = text_of(response)
    assert "Not enough seats left" in text
    assert "Only 2 seats are left in this session." in text
    assert f'href="/s/swimming/sessions/{site.open_session.pk}/?lang=en"' in response.content.decode()
    assert bookings_of(tenant_alpha, in_tenant) == []


def test_a_session_that_filled_up_says_it_is_full(client_for, tenant_alpha, site, in_tenant):
    # when
    response = client_for(tenant_alpha).get(f"/s/swimming/book/?session={site.full_session.pk}&seats=1&lang=en")
    # then
    assert response.status_code == 409
    assert "This session is full" in text_of(response)
    assert f'data-waitlist-slot="{site.full_session.pk}"' in response.content.decode()


def test_a_past_or_cancelled_or_foreign_session_is_404(client_for, tenant_alpha, site, in_tenant):
    with in_tenant(tenant_alpha):
        Session.objects.filter(pk=site.open_session.pk).update(is_cancelled=True)
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    assert client.get(f"/s/swimming/book/?session={site.open_session.pk}&seats=1").status_code == 404
    assert client.get(f"/s/swimming/sessions/{site.open_session.pk}/").status_code == 404
    assert client.get("/s/massage/sessions/1/").status_code == 404


def test_many_sessions_are_shown_a_page_at_a_time(client_for, tenant_alpha, site, in_tenant):
    # given: 25 more sessions, one a day from day 10
    from tests.factories import make_session

    with in_tenant(tenant_alpha):
        later = [make_session(site.swim, capacity=5, starts_in_days=10 + day) for day in range(25)]
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when
    first = client.get("/s/swimming/?lang=en").content.decode()
    later_link = re.search(r'href="([^"]+)">Later sessions', first).group(1).replace("&amp;", "&")
    second = client.get(later_link).content.decode()
    # then: 20, then the other 8, none twice, none missing
    first_ids = re.findall(r'data-session="(\d+)"', first)
    second_ids = re.findall(r'data-session="(\d+)"', second)
    all_ids = [str(session.pk) for session in (site.open_session, site.few_left_session, site.full_session, *later)]
    assert len(first_ids) == 20
    assert first_ids + second_ids == all_ids
    assert "Earlier sessions" in second and "Later sessions" not in second


def test_sessions_at_the_same_time_are_not_lost_between_pages(client_for, tenant_alpha, site, in_tenant):
    # given: 20 sessions at one and the same moment, after the three of the site
    from tests.factories import make_session

    with in_tenant(tenant_alpha):
        same_time = [make_session(site.swim, capacity=5, starts_in_days=9) for _ in range(20)]
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when
    first = client.get("/s/swimming/?lang=en").content.decode()
    second = client.get(re.search(r'href="([^"]+)">Later sessions', first).group(1).replace("&amp;", "&"))
    # then
    shown = re.findall(r'data-session="(\d+)"', first) + re.findall(r'data-session="(\d+)"', second.content.decode())
    assert shown == [str(session.pk) for session in (site.open_session, site.few_left_session, site.full_session,
                                                     *same_time)]


def test_a_refusal_about_the_sessions_time_is_said_once(client_for, tenant_alpha, site, in_tenant, monkeypatch):
    # given: the session comes within the service's notice between the review page and the booking (a race the
    # page cannot show by itself: the service decides from the clock at the moment of booking)
    from booking_core.errors import BookingError
    from public_site import booking_views

    def too_soon(**kwargs):
        raise BookingError("This time is too soon to book.", fields={"starts_at": ["Too soon to book."]})

    monkeypatch.setattr(booking_views, "booking_create_group", too_soon)
    client = client_for(tenant_alpha)
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats=1&lang=en"
    # when
    response = client.post(path, form(step="confirm"))
    # then: one clear message, nothing booked
    assert response.status_code == 400
    assert text_of(response).count("This time is too soon to book.") == 1
    assert "Too soon to book." not in text_of(response).replace("This time is too soon to book.", "")
    assert bookings_of(tenant_alpha, in_tenant) == []
