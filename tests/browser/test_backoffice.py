"""The back office in a real browser, in Hungarian: an admin signs in, finds a booking of a full session in the
list, cancels it with a reason, and releases the waitlist offer that freed seat prepared, from Today; the
waiting client's offer email arrives."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection

from allot.accounts.services import user_create_verified
from booking_core.models import Booking, Offer, Service
from tenants.models import Membership
from tenants.services import membership_add
from tests.billing.conftest import run_outbox
from tests.conftest import PASSWORD
from tests.factories import make_service, make_session
from tests.waitlist.helpers import fill, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_admin_cancels_a_full_sessions_booking_and_releases_the_prepared_offer(browser_page, site_url,
                                                                                   tenant_alpha, in_tenant):
    # given: an admin of Alpha, a full session in two days and a client waiting; offers wait for release
    # (Today lists every prepared offer, whatever its day)
    admin = user_create_verified(email="alpha_admin@example.com", password=PASSWORD)
    membership_add(tenant=tenant_alpha, user=admin, role=Membership.Role.ADMIN)
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", name_hu="Úszás", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=1, starts_in_days=2, location="Medence")
        (booking,) = fill(tenant_alpha, session, [1])
        waiting = join(tenant_alpha, session, seats=1, language="hu")
    connection.set_schema_to_public()
    page = browser_page(locale="hu-HU", extra_http_headers={"Accept-Language": "hu-HU,hu;q=0.9"},
                        viewport={"width": 1200, "height": 900})

    # when: the admin opens the back office and signs in
    page.goto(site_url(tenant_alpha, "/office/bookings/"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("#id_login").fill("alpha_admin@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/office/bookings/$"))
    assert page.locator("html").get_attribute("lang") == "hu"
    assert "Alpha Studio" in page.locator(".office-nav").inner_text()
    page.shot("bookings")

    # and finds the booking by the client's email and opens it
    page.locator("#id_q").fill(booking.client.email)
    page.locator(".office-filter button[type=submit]").click()
    page.locator(f'a[href="/office/bookings/{booking.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/office/bookings/{booking.pk}/$"))
    page.shot("booking")

    # and cancels it with a reason
    page.locator("#id_reason").fill("Elromlott a medence fűtése")
    page.locator(f'form[action="/office/bookings/{booking.pk}/cancel/"] button').click()
    page.wait_for_selector(".notice--success")
    page.shot("cancelled")

    # then: Today offers the freed seat to the waiting client, and the admin releases it
    page.locator('a[href="/office/today/"]').click()
    release = page.locator('form[action^="/office/offers/"] button')
    assert release.count() == 1
    page.shot("today")
    release.click()
    page.wait_for_selector(".notice--success")
    page.shot("released")
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        offer = Offer.objects.get(entry=waiting)
        assert offer.status == "sent"
    connection.set_schema_to_public()

    # and: the waiting client's offer email arrives (a worker delivers the outbox) with the offer's link
    run_outbox()
    to_waiting = [message for message in mail.outbox if message.to == [waiting.client.email]]
    assert len([message for message in to_waiting if f"/o/{offer.token}/" in message.body]) == 1, \
        [message.subject for message in to_waiting]
