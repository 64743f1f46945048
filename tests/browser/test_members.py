"""Members in a real browser, in Hungarian: an owner invites a staff member with their calendar; the invitee
opens the emailed link, creates an account, lands in the back office and sees only their own bookings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import deliver
from allot.outbox.models import OutboxMessage
from booking_core.models import Service
from booking_core.services.bookings import booking_create_individual
from tenants.members.services import INVITATION_EVENT
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.factories import OPERATOR, client_details, make_service, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HUNGARIAN = {"locale": "hu-HU", "extra_http_headers": {"Accept-Language": "hu-HU,hu;q=0.9"},
             "viewport": {"width": 1200, "height": 900}}


def test_an_owner_invites_a_staff_member_who_signs_in_and_sees_only_their_own_bookings(browser_page, site_url,
                                                                                       tenant_alpha, in_tenant):
    # given: two staff members' calendars with a booking each, in two days
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", name_hu="Masszázs")
        anna = make_staff(massage, name="Kovács Anna")
        bela = make_staff(massage, name="Szabó Béla")
        day = timezone.now().astimezone(tenant_alpha.zone).date() + dt.timedelta(days=2)
        ten = dt.datetime.combine(day, dt.time(10), tzinfo=tenant_alpha.zone)
        booking_create_individual(tenant=tenant_alpha, service=massage, staff=anna, starts_at=ten, language="hu",
                                  client=client_details("Kiss Dóra", "dora@example.hu"), actor=OPERATOR)
        belas = booking_create_individual(tenant=tenant_alpha, service=massage, staff=bela, starts_at=ten,
                                          language="hu", client=client_details("Nagy Péter", "peter@example.hu"),
                                          actor=OPERATOR)
    connection.set_schema_to_public()
    owner = browser_page(**HUNGARIAN)

    # when: the owner signs in and opens the members page from the back office's menu
    owner.goto(site_url(tenant_alpha, "/office/"))
    owner.wait_for_url(re.compile(r"/accounts/login/"))
    owner.locator("#id_login").fill("alpha_owner@example.com")
    owner.locator("#id_password").fill(PASSWORD)
    owner.locator("form button[type=submit]").last.click()
    owner.wait_for_url(re.compile(r"/office/$"))
    owner.locator('.office-nav a[href="/office/members/"]').click()
    owner.wait_for_url(re.compile(r"/office/members/$"))
    owner.shot("members")

    # and invites Zoé as staff, with Anna's calendar
    owner.locator("#id_email").fill("zoe@example.hu")
    owner.locator("#id_role").select_option("staff")
    owner.locator("#id_staff").select_option(str(anna.pk))
    owner.locator(".invite-form button[type=submit]").click()
    owner.wait_for_selector(".notice--success")
    assert "zoe@example.hu" in owner.locator(".invitations-table").inner_text()
    owner.shot("invited")

    # then: the invitation email goes out (a worker delivers the outbox row) with its link
    [row] = OutboxMessage.objects.filter(event_type=INVITATION_EVENT, recipient="zoe@example.hu")
    with in_tenant(tenant_alpha):
        assert deliver(row.pk) == "sent"
    connection.set_schema_to_public()
    [email] = mail.outbox
    path = re.search(r"/office/invitation/[^/\s]+/", email.body).group(0)

    # when: Zoé opens the link in her own browser and creates her account
    zoe = browser_page(**HUNGARIAN)
    zoe.goto(site_url(tenant_alpha, path))
    assert "zoe@example.hu" in zoe.locator("main").inner_text()
    zoe.shot("invitation")
    zoe.locator("#id_full_name").fill("Zoé Tóth")
    zoe.locator("#id_password1").fill("hosszu-es-ritka-jelszo-42")
    zoe.locator("#id_password2").fill("hosszu-es-ritka-jelszo-42")
    zoe.locator(".invitation-form button[type=submit]").click()

    # then: she is signed in, in the back office, as staff, without the waitlist and members pages
    zoe.wait_for_url(re.compile(r"/office/$"))
    assert zoe.locator("html").get_attribute("lang") == "hu"
    nav = zoe.locator(".office-nav")
    assert "zoe@example.hu" in nav.inner_text()
    assert nav.locator('a[href="/office/waitlist/"]').count() == 0
    assert nav.locator('a[href="/office/members/"]').count() == 0
    zoe.shot("signed-in")
    assert Membership.objects.get(tenant=tenant_alpha, user__email="zoe@example.hu").role == "staff"

    # and Today and the bookings list show her calendar's bookings only
    nav.locator('a[href="/office/today/"]').click()
    zoe.wait_for_url(re.compile(r"/office/today/$"))
    zoe.shot("today")
    nav.locator('a[href="/office/bookings/"]').click()
    zoe.wait_for_url(re.compile(r"/office/bookings/$"))
    listed = zoe.locator(".office-table").inner_text()
    assert "Kiss Dóra" in listed and "Nagy Péter" not in listed
    zoe.shot("bookings")
    # and another staff member's booking does not exist for her
    response = zoe.goto(site_url(tenant_alpha, f"/office/bookings/{belas.pk}/"))
    assert response.status == 404
    zoe.shot("other-booking")
