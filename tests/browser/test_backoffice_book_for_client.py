"""The back office in a real browser, in Hungarian: an owner opens the week's calendar, books a client into a full
session from it, is refused, accepts the overbooking and is let through; the booking's page and the calendar
show it."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from booking_core.models import AuditEntry, Booking, Session
from tests.conftest import PASSWORD
from tests.factories import make_service, make_session
from tests.waitlist.helpers import fill

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_book_for_a_client_is_refused_for_a_full_session_and_accepted_with_recorded_overbooking(
        browser_page, site_url, tenant_alpha, in_tenant):
    # given: a full session of two seats in two days
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", name_hu="Úszás", price_amount=0)
        session = make_session(service, capacity=2, starts_in_days=2, location="Medence")
        fill(tenant_alpha, session, [1, 1])
    connection.set_schema_to_public()
    page = browser_page(locale="hu-HU", extra_http_headers={"Accept-Language": "hu-HU,hu;q=0.9"},
                        viewport={"width": 1200, "height": 900})

    # when: the owner signs in and opens the calendar of the session's week
    starts = session.starts_at.astimezone(tenant_alpha.zone).date().isoformat()
    page.goto(site_url(tenant_alpha, f"/office/calendar/?date={starts}"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("#id_login").fill("alpha_owner@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/office/calendar/"))
    assert page.locator("html").get_attribute("lang") == "hu"
    assert "Úszás" in page.locator(".calendar-week").inner_text()
    page.shot("calendar")

    # and goes to "book for a client", picks the service and the full session
    page.locator('.calendar-nav a[href="/office/bookings/new/"]').click()
    page.locator(f'a[href="/office/bookings/new/{service.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/office/bookings/new/{service.pk}/$"))
    page.locator("#id_session").select_option(str(session.pk))
    page.locator("#id_seats").fill("1")
    page.locator("#id_name").fill("Kiss Dóra")
    page.locator("#id_email").fill("dora@example.com")
    page.locator("#id_language").select_option("hu")
    page.shot("form")
    page.locator("form.card button[type=submit]").click()

    # then: refused, next to the overbooking box, and nothing is booked
    page.wait_for_selector(".field--error")
    assert page.locator(".notice--error").count() == 1
    assert page.locator(".field--error #id_allow_overbooking").count() == 1
    page.shot("refused")
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(session=session).count() == 2

    # when: the owner accepts the overbooking and sends the form again
    page.locator("#id_allow_overbooking").check()
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/office/bookings/\d+/$"))
    page.wait_for_selector(".notice--success")
    page.shot("booked-with-overbooking")

    # then: the booking records the overbooking, the session keeps it, the audit log has it
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(session=session, client__email="dora@example.com")
        assert (booking.overbooked_seats, booking.source) == (1, "operator")
        fresh = Session.objects.get(pk=session.pk)
        assert (fresh.seats_booked, fresh.accepted_overbooking) == (3, 1)
        assert AuditEntry.objects.filter(action="session.overbooking_accepted", object_id=session.pk).count() == 1
    assert page.url.endswith(f"/office/bookings/{booking.pk}/")
    assert "Kiss Dóra" in page.locator("main").inner_text()

    # and the calendar shows the client in the session, one click from the booking
    page.goto(site_url(tenant_alpha, f"/office/calendar/?date={starts}"))
    link = page.locator(f'.calendar-week a[href="/office/bookings/{booking.pk}/"]')
    assert link.count() == 1
    page.shot("calendar-after")
    link.click()
    page.wait_for_url(re.compile(rf"/office/bookings/{booking.pk}/$"))
