"""The pages behind the links in emails: status, calendar file, cancel, and moving an appointment, with
self-service rules explained plainly when they say no."""

import datetime as dt
import re

import pytest
from django.db import connection

from booking_core.models import Booking, Service
from booking_core.services.bookings import booking_create_group, booking_create_individual
from tenants import resolution
from tenants.models import Tenant
from tests.factories import OPERATOR, client_details
from tests.public_site.conftest import start_parameter, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(tenant_alpha, site, in_tenant) -> Booking:
    with in_tenant(tenant_alpha):
        booking = booking_create_individual(
            tenant=tenant_alpha, service=site.massage, starts_at=site.start, staff=site.anna,
            client=client_details(name="Kiss Dóra", email="dora@example.hu"), language="hu",
            answers={"topic": "back", "consent": True}, actor=OPERATOR,
        )
    connection.set_schema_to_public()
    return booking


def set_self_service(tenant, in_tenant, site, value: str) -> None:
    with in_tenant(tenant):
        Service.objects.filter(pk=site.massage.pk).update(self_service=value)
    connection.set_schema_to_public()


def reload(tenant, in_tenant, booking) -> Booking:
    with in_tenant(tenant):
        return Booking.objects.get(pk=booking.pk)


def test_the_status_page_shows_the_booking_in_its_language_with_what_can_be_done(client_for, tenant_alpha,
                                                                                  appointment):
    # when: the link from the email, no language chosen yet
    response = client_for(tenant_alpha).get(f"/b/{appointment.manage_token}/")
    # then: Hungarian, like the booking
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="hu">' in html
    text = text_of(response)
    assert "Masszázs" in text and "Anna" in text and "Europe/Budapest" in text
    assert f'href="/b/{appointment.manage_token}/calendar.ics?lang=hu"' in html
    assert f'href="/b/{appointment.manage_token}/reschedule/?lang=hu"' in html
    assert f'href="/b/{appointment.manage_token}/cancel/?lang=hu"' in html


def test_a_chosen_language_wins_over_the_bookings(client_for, tenant_alpha, appointment):
    html = client_for(tenant_alpha).get(f"/b/{appointment.manage_token}/?lang=de").content.decode()
    assert '<html lang="de">' in html


def test_the_calendar_file_downloads(client_for, tenant_alpha, appointment):
    response = client_for(tenant_alpha).get(f"/b/{appointment.manage_token}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in response.content and "Masszázs".encode() in response.content


def test_cancelling_with_self_service_on(client_for, tenant_alpha, site, appointment, in_tenant):
    client = client_for(tenant_alpha)
    set_self_service(tenant_alpha, in_tenant, site, Service.SelfService.ON)
    # when
    page = client.get(f"/b/{appointment.manage_token}/cancel/?lang=en")
    response = client.post(f"/b/{appointment.manage_token}/cancel/?lang=en")
    # then
    assert "Yes, cancel this booking" in text_of(page)
    assert response.status_code == 302
    assert response["Location"] == f"/b/{appointment.manage_token}/?done=cancelled&lang=en"
    assert reload(tenant_alpha, in_tenant, appointment).status == "cancelled"
    status_page = client.get(response["Location"])
    assert "Your booking is cancelled." in text_of(status_page)
    assert 'data-status="cancelled"' in status_page.content.decode()


def test_with_self_service_off_the_pages_explain_and_name_the_contact(client_for, tenant_alpha, site, appointment,
                                                                       in_tenant):
    client = client_for(tenant_alpha)
    set_self_service(tenant_alpha, in_tenant, site, Service.SelfService.OFF)
    Tenant.objects.filter(pk=tenant_alpha.pk).update(contact_email="desk@alpha.example", contact_phone="+36 1 234 5678")
    resolution.forget_local()
    # when
    status_page = client.get(f"/b/{appointment.manage_token}/?lang=en")
    cancel_page = client.get(f"/b/{appointment.manage_token}/cancel/?lang=en")
    refused = client.post(f"/b/{appointment.manage_token}/cancel/?lang=en")
    # then
    for response in (status_page, cancel_page):
        text = text_of(response)
        assert "Changes to this booking are made by the organisation, not online." in text
        assert "Please contact Alpha Studio: desk@alpha.example · +36 1 234 5678" in text
    assert f"/b/{appointment.manage_token}/cancel/" not in status_page.content.decode()
    assert f"/b/{appointment.manage_token}/reschedule/" not in status_page.content.decode()
    assert 'href="mailto:desk@alpha.example"' in status_page.content.decode()
    assert "Yes, cancel this booking" not in text_of(cancel_page)
    assert refused.status_code == 200
    assert "Online changes are switched off for this service. Please contact Alpha Studio." in text_of(refused)
    assert reload(tenant_alpha, in_tenant, appointment).status == "confirmed"


def test_past_the_cutoff_the_page_says_it_is_too_late(client_for, tenant_alpha, site, appointment, in_tenant):
    # given: changes are allowed until 30 days before
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(cancellation_cutoff_minutes=30 * 24 * 60)
    connection.set_schema_to_public()
    # when
    response = client_for(tenant_alpha).get(f"/b/{appointment.manage_token}/?lang=en")
    # then
    assert "It is too late to change this booking online." in text_of(response)
    assert "/reschedule/" not in response.content.decode()


# --- moving an appointment ------------------------------------------------------------------------------------


def test_moving_an_appointment_to_another_free_time(client_for, tenant_alpha, site, appointment, in_tenant):
    client = client_for(tenant_alpha)
    token = appointment.manage_token
    new_start = site.start + dt.timedelta(days=1, hours=1)  # Thursday 11:00
    # given: the reschedule page lists Anna's free days, and the chosen day's times
    day_page = client.get(f"/b/{token}/reschedule/?day={new_start.date().isoformat()}&lang=en")
    html = day_page.content.decode()
    assert day_page.status_code == 200
    assert "Pick a new day and time with Anna." in text_of(day_page)
    times = re.findall(r'href="([^"]+)" data-start="([^"]+)"', html)
    assert [start for _href, start in times] == [start_parameter(new_start.replace(hour=hour)) for hour in (9, 10, 11)]
    # when: a time is picked, the page asks to confirm
    href = dict((start, href) for href, start in times)[start_parameter(new_start)].replace("&amp;", "&")
    confirm_page = client.get(href)
    assert "Move your booking?" in text_of(confirm_page)
    assert reload(tenant_alpha, in_tenant, appointment).starts_at == site.start
    # when: confirmed
    moved = client.post(f"/b/{token}/reschedule/?lang=en", {"start": start_parameter(new_start),
                                                            "staff": site.anna.pk})
    # then
    assert moved.status_code == 302
    assert moved["Location"] == f"/b/{token}/?done=rescheduled&lang=en"
    booking = reload(tenant_alpha, in_tenant, appointment)
    assert (booking.starts_at, booking.staff_id, booking.status) == (new_start, site.anna.pk, "confirmed")
    assert "Your booking has moved to the new time." in text_of(client.get(moved["Location"]))


def test_the_reschedule_calendar_moves_focus_after_htmx_swaps_it(client_for, tenant_alpha, appointment):
    client = client_for(tenant_alpha)
    # when
    month = client.get(f"/b/{appointment.manage_token}/reschedule/?lang=en").content.decode()
    day = client.get(f"/b/{appointment.manage_token}/reschedule/?day={appointment.starts_at:%Y-%m-%d}&lang=en")
    # then: to the month's heading, or to the day's times
    assert '<div id="picker" data-focus="reschedule-heading">' in month
    assert '<div id="picker" data-focus="times-heading">' in day.content.decode()
    assert '<script src="/static/public_site/site.js" defer></script>' in month


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-%D9%A1%D9%A2"])
def test_a_month_that_is_no_month_on_the_reschedule_page_shows_the_first_bookable_one(client_for, tenant_alpha,
                                                                                     appointment, month):
    client = client_for(tenant_alpha)
    first = client.get(f"/b/{appointment.manage_token}/reschedule/?lang=en").content.decode()
    # when
    response = client.get(f"/b/{appointment.manage_token}/reschedule/?month={month}&lang=en")
    # then
    assert response.status_code == 200

    def heading(html: str) -> str:
        return re.search(r'<h2 id="reschedule-heading">([^<]+)</h2>', html).group(1)

    assert heading(response.content.decode()) == heading(first)


def test_the_current_time_is_not_offered_as_a_new_one(client_for, tenant_alpha, site, appointment):
    html = client_for(tenant_alpha).get(
        f"/b/{appointment.manage_token}/reschedule/?day={site.start.date().isoformat()}&lang=en").content.decode()
    starts = re.findall(r'data-start="([^"]+)"', html)
    assert start_parameter(site.start) not in starts
    assert start_parameter(site.start.replace(hour=9)) in starts


def test_moving_to_a_time_taken_in_the_meantime_offers_the_next_ones(client_for, tenant_alpha, site, appointment,
                                                                      in_tenant):
    # given: Anna's Thursday 11:00 goes to someone else
    taken = site.start + dt.timedelta(days=1, hours=1)
    with in_tenant(tenant_alpha):
        booking_create_individual(tenant=tenant_alpha, service=site.massage, starts_at=taken, staff=site.anna,
                                  client=client_details(), answers={"topic": "back", "consent": True}, actor=OPERATOR)
    connection.set_schema_to_public()
    # when
    response = client_for(tenant_alpha).post(f"/b/{appointment.manage_token}/reschedule/?lang=en",
                                             {"start": start_parameter(taken), "staff": site.anna.pk})
    # then
    assert response.status_code == 409
    text = text_of(response)
    assert "This time is no longer available" in text and "Your booking has not changed." in text
    assert f'data-start="{start_parameter(site.start + dt.timedelta(days=2, hours=-1))}"' in (
        response.content.decode())
    assert reload(tenant_alpha, in_tenant, appointment).starts_at == site.start


def test_moving_is_refused_with_self_service_off(client_for, tenant_alpha, site, appointment, in_tenant):
    client = client_for(tenant_alpha)
    set_self_service(tenant_alpha, in_tenant, site, Service.SelfService.OFF)
    new_start = site.start + dt.timedelta(days=1)
    # when
    page = client.get(f"/b/{appointment.manage_token}/reschedule/?lang=en")
    refused = client.post(f"/b/{appointment.manage_token}/reschedule/?lang=en",
                          {"start": start_parameter(new_start), "staff": site.anna.pk})
    # then
    assert page.status_code == 200
    assert "Changes to this booking are made by the organisation, not online." in text_of(page)
    assert "calendar" not in page.content.decode().split("<main")[1]
    assert refused.status_code == 403
    assert reload(tenant_alpha, in_tenant, appointment).starts_at == site.start


def test_group_bookings_cannot_be_moved(client_for, tenant_alpha, site, in_tenant):
    with in_tenant(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=site.open_session, seats=1,
                                       client=client_details(), answers={"child_name": "Mia"}, actor=OPERATOR)
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    assert "/reschedule/" not in client.get(f"/b/{booking.manage_token}/?lang=en").content.decode()
    response = client.get(f"/b/{booking.manage_token}/reschedule/?lang=en")
    assert "Group bookings cannot be moved." in text_of(response)


def test_another_tenants_links_do_not_exist_here(client_for, tenant_alpha, tenant_beta, site, appointment, in_tenant):
    client = client_for(tenant_beta)
    token = appointment.manage_token
    for path in ("", "done/", "calendar.ics", "cancel/", "reschedule/", "confirm/"):
        assert client.get(f"/b/{token}/{path}").status_code == 404, path
    assert client.post(f"/b/{token}/reschedule/", {"start": start_parameter(site.start + dt.timedelta(days=1)),
                                                   "staff": site.anna.pk}).status_code == 404
    assert client.post(f"/b/{token}/cancel/").status_code == 404
    booking = reload(tenant_alpha, in_tenant, appointment)
    assert (booking.status, booking.starts_at) == ("confirmed", site.start)
