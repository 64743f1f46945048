"""Waitlists and programmes in a real browser (Chromium, phone-sized screen): joining the waitlist of a session
that filled up mid-booking, accepting an offer from the link in the email, and signing up for a programme."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.models import Booking, Offer, Session, WaitlistEntry
from booking_core.programmes.models import SignUp
from tests.browser.conftest import assert_fits_the_screen
from tests.programmes.factories import make_group, make_programme
from tests.public_site.conftest import build_site
from tests.public_site.waitlist_scene import fill, free_a_seat, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def site(committed_db, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        built = build_site(tenant_alpha)
    connection.set_schema_to_public()
    return built


def test_a_german_group_booking_that_hits_a_full_session_joins_the_waitlist(browser_page, site_url, tenant_alpha,
                                                                            site, in_tenant):
    # given: a German browser on the sessions page; one seat is left in the second session
    page = browser_page(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(site_url(tenant_alpha, "/s/swimming/"))
    assert page.locator("html").get_attribute("lang") == "de"
    few_left = page.locator(f'[data-session="{site.few_left_session.pk}"]')
    few_left.locator("a.button").click()
    page.wait_for_url(re.compile(r"/s/swimming/book/"))
    page.locator("#id_name").fill("Jonas Weber")
    page.locator("#id_email").fill("jonas@example.de")
    page.locator("#id_answer_child_name").fill("Mia")
    page.locator("button[value=review]").click()
    page.wait_for_selector("button[value=confirm]")
    page.shot("review")

    # when: someone else takes the last seat (and then waits for another), and the client confirms
    with in_tenant(tenant_alpha):
        fill(tenant_alpha, site.few_left_session)
        join(site.few_left_session)
    connection.set_schema_to_public()
    page.locator("button[value=confirm]").click()

    # then: the session is full; its waitlist is offered with the position the client would get
    slot = page.locator(f'[data-waitlist-slot="{site.few_left_session.pk}"]')
    assert slot.locator("[data-waitlist-position]").get_attribute("data-waitlist-position") == "2"
    assert_fits_the_screen(page)
    page.shot("session-full")
    slot.locator("a").click()

    # when: the join form, in German, with the service's own question
    page.wait_for_url(re.compile(rf"/s/swimming/sessions/{site.few_left_session.pk}/waitlist/"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_text("Name des Kindes").is_visible()
    assert page.locator("main [data-waitlist-position]").get_attribute("data-waitlist-position") == "2"
    page.locator("#id_seats").select_option("2")
    page.locator("#id_name").fill("Jonas Weber")
    page.locator("#id_email").fill("jonas@example.de")
    page.locator("#id_answer_child_name").fill("Mia")
    assert_fits_the_screen(page)
    page.shot("join-form")
    page.locator("main form button[type=submit]").click()

    # then: the confirmation with the position and the way to the status page
    page.wait_for_url(re.compile(r"/w/[\w-]+/joined/\?lang=de"))
    assert page.locator("main [data-waitlist-position]").get_attribute("data-waitlist-position") == "2"
    page.shot("joined")
    page.locator('main a[href^="/w/"][href*="lang=de"]').first.click()
    page.wait_for_url(re.compile(r"/w/[\w-]+/\?lang=de"))
    assert page.locator("[data-status=waiting]").is_visible()
    page.shot("status")
    with in_tenant(tenant_alpha):
        entry = WaitlistEntry.objects.get(client__email="jonas@example.de")
    assert (entry.session_id, entry.seats_wanted, entry.language, entry.status) == (
        site.few_left_session.pk, 2, "de", "waiting")
    assert [(answer["key"], answer["value"]) for answer in entry.answers] == [("child_name", "Mia")]


def test_accepting_an_offer_from_the_link_in_the_email(browser_page, site_url, tenant_alpha, site, in_tenant):
    # given: a client waits for the full session; a seat frees up and the offer email goes out
    with in_tenant(tenant_alpha):
        entry = join(site.full_session, email="waiting.ada@example.com", answers={"child_name": "Ada"})
        free_a_seat(tenant_alpha, site.full_session)
        row = OutboxMessage.objects.get(event_type="waitlist.offer", payload__entry_id=entry.pk)
        assert delivery.deliver(row.pk) == "sent"
    connection.set_schema_to_public()
    [email] = [message for message in mail.outbox if message.to == ["waiting.ada@example.com"]]
    offer_path = re.search(r"https?://[^/\s]+(/o/[\w-]+/\?via=email)", email.body).group(1)
    page = browser_page()

    # when: the link in the email is opened (the page's script reports the visit: a click and a view)
    with page.expect_response(lambda response: "/seen/" in response.url and response.status == 204):
        page.goto(site_url(tenant_alpha, offer_path))

    # then: what is offered, until when, and the two answers
    assert page.locator("[data-expires-at]").is_visible()
    assert "Pool B" in page.locator("main").inner_text()
    assert_fits_the_screen(page)
    page.shot("offer")
    page.get_by_role("button", name="Accept and book").click()

    # then: the booking's own page; the offer became that booking
    page.wait_for_url(re.compile(r"/b/[\w-]+/\?done=accepted"))
    assert page.locator("[data-status=confirmed]").is_visible()
    page.shot("booking")
    with in_tenant(tenant_alpha):
        offer = Offer.objects.select_related("booking", "entry").get(entry=entry)
        seats_booked = Session.objects.get(pk=site.full_session.pk).seats_booked
    assert offer.status == "accepted" and f"/b/{offer.booking.manage_token}/" in page.url
    assert (offer.booking.status, offer.booking.source, seats_booked) == ("confirmed", "waitlist", 1)
    assert (offer.entry.links_clicked, offer.entry.page_views) == (1, 1)

    # when: the link is followed again (a second click): the same booking, nothing new
    page.goto(site_url(tenant_alpha, offer_path))
    page.get_by_role("link", name="See your booking").click()
    page.wait_for_url(re.compile(rf"/b/{offer.booking.manage_token}/"))
    page.shot("again")
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(source="waitlist").count() == 1


@pytest.mark.usefixtures("programmes_month_clock")  # the programme runs in December 2026
def test_signing_up_a_family_for_a_programme(browser_page, site_url, tenant_alpha, committed_db, in_tenant):
    # given: an open programme with two groups; Mondays have one place left
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="swimming-december", name_en="Swimming in December",
                                   description_en="Weekly lessons for children aged 6 to 12.")
        monday = make_group(programme, 1, name_en="Mondays", location="Pool A")
        wednesday = make_group(programme, 4, weekday=2, name_en="Wednesdays", location="Pool B")
        programme.form_fields.create(key="can_swim", field_type="checkbox", label_en="The children can swim")
    connection.set_schema_to_public()
    page = browser_page(locale="en-GB")

    # when: from the home page to the programme and its sign-up form
    page.goto(site_url(tenant_alpha, "/?lang=en"))
    assert page.get_by_role("heading", name="Programmes").is_visible()
    assert_fits_the_screen(page)
    page.shot("home")
    card = page.locator('[data-programme="swimming-december"]')
    card.get_by_role("link", name="Swimming in December", exact=True).click()
    assert page.locator(f'[data-group="{monday.pk}"]').get_by_text("1 place left").is_visible()
    assert_fits_the_screen(page)
    page.shot("programme")
    page.locator("[data-window=open]").get_by_role("link", name="Sign up").click()
    page.wait_for_url(re.compile(r"/p/swimming-december/signup/"))
    page.locator("#id_name").fill("Kiss Dóra")
    page.locator("#id_email").fill("dora@example.hu")
    page.locator("#id_attendee_1").fill("Anna")
    page.locator("#id_attendee_2").fill("Ben")
    # two children do not fit Monday's one place: together, they rank Monday first, then Wednesday
    page.get_by_label("Only the groups I choose below, in this order").check()
    page.locator("#id_choice_1").select_option(str(monday.pk))
    page.locator("#id_choice_2").select_option(str(wednesday.pk))
    page.get_by_label("The children can swim").check()
    assert_fits_the_screen(page)
    page.shot("form")
    page.locator("main form button[type=submit]").click()

    # then: the status page: both have a place together on Wednesdays
    page.wait_for_url(re.compile(r"/programmes/signups/[\w-]+/\?done=signed_up"))
    assert page.locator(".signup-result[data-result=allocated]").is_visible()
    assert "Wednesdays" in page.locator(".signup-result").inner_text()
    assert page.locator("#together-heading").is_visible()
    assert_fits_the_screen(page)
    page.shot("status")
    with in_tenant(tenant_alpha):
        signups = list(SignUp.objects.filter(client__email="dora@example.hu").order_by("id"))
    assert [(s.attendee_name, s.status, s.group_id, s.preferences) for s in signups] == [
        ("Anna", "allocated", wednesday.pk, [monday.pk, wednesday.pk]),
        ("Ben", "allocated", wednesday.pk, [monday.pk, wednesday.pk])]
    assert signups[0].household_key == signups[1].household_key != ""
    assert [(answer["key"], answer["value"]) for answer in signups[0].answers] == [("can_swim", True)]

