"""The client's path through the booking site in a real browser (Chromium, phone-sized screen)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from playwright.sync_api import expect

from booking_core.models import Booking, Service
from booking_core.services.bookings import booking_create_individual
from tests.browser.conftest import assert_fits_the_screen
from tests.factories import OPERATOR, client_details
from tests.public_site.conftest import build_site, start_parameter

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def site(committed_db, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        built = build_site(tenant_alpha)
    connection.set_schema_to_public()
    return built


def bookings_of(tenant, in_tenant, email: str) -> list[Booking]:
    with in_tenant(tenant):
        return list(Booking.objects.select_related("staff").filter(client__email=email))


def test_a_full_individual_booking_in_hungarian(browser_page, site_url, tenant_alpha, site, in_tenant):
    # given: a Hungarian browser
    page = browser_page(locale="hu-HU", extra_http_headers={"Accept-Language": "hu-HU,hu;q=0.9"})
    page.goto(site_url(tenant_alpha))
    assert page.locator("html").get_attribute("lang") == "hu"
    assert page.get_by_role("heading", name="Alpha Studio").is_visible()
    assert_fits_the_screen(page)
    page.shot("home")

    # when: the appointment is chosen, then a day (htmx swaps in its times), then a time
    page.locator('[data-service="massage"]').get_by_role("link", name="Masszázs", exact=True).click()
    assert page.get_by_role("heading", name="Masszázs").is_visible()
    page.shot("service")
    day = site.start.date().isoformat()
    if not page.locator(f'a[data-day="{day}"]').count():
        page.locator('a[rel="next"]').click()
    page.locator(f'a[data-day="{day}"]').click()
    page.wait_for_url(re.compile(rf"/s/massage/day/{day}/"))
    times = page.locator("#times a[data-start]")
    assert times.all_inner_texts() == ["09:00", "10:00", "11:00"]
    assert "Europe/Budapest" in page.locator("#times").inner_text()
    assert_fits_the_screen(page)
    page.shot("day")
    page.locator(f'a[data-start="{start_parameter(site.start)}"]').click()

    # then: both are free at 10:00, so the client chooses who
    page.get_by_label("Anna").check()
    page.shot("who")
    page.locator("form.card button[type=submit]").click()

    # when: the service's own form is filled in with the keyboard
    page.wait_for_url(re.compile(r"/s/massage/book/"))
    assert page.get_by_text("Mire figyeljünk?").is_visible()
    page.locator("#id_name").fill("Kiss Dóra")
    page.locator("#id_email").fill("dora@example.hu")
    page.locator("#id_answer_topic_0").focus()
    page.keyboard.press("ArrowDown")  # radio buttons move with the arrow keys: "Nyak"
    page.locator("#id_answer_consent").focus()
    page.keyboard.press("Space")
    assert page.locator("#id_answer_topic_1").is_checked() and page.locator("#id_answer_consent").is_checked()
    assert_fits_the_screen(page)
    page.shot("form")
    page.locator("#id_name").press("Enter")  # Enter submits: on to the review

    # then: the review, in Hungarian formats
    page.wait_for_selector("button[value=confirm]")
    review = page.locator("main").inner_text()
    assert "Masszázs" in review and "Anna" in review and "Nyak" in review and "60\u00a0€" in review
    assert "10:00–11:00" in review
    page.shot("review")
    page.locator("button[value=confirm]").click()

    # then: the confirmation page, and the booking in Hungarian with Anna
    page.wait_for_url(re.compile(r"/b/[\w-]+/done/\?lang=hu"))
    assert page.locator("[data-status=confirmed]").is_visible()
    assert_fits_the_screen(page)
    page.shot("confirmation")
    [booking] = bookings_of(tenant_alpha, in_tenant, "dora@example.hu")
    assert (booking.staff.name, booking.starts_at, booking.language, booking.status) == (
        "Anna", site.start, "hu", "confirmed")
    assert {answer["key"]: answer["value"] for answer in booking.answers} == {"topic": "neck", "consent": True}


def test_switching_language_mid_flow(browser_page, site_url, tenant_alpha, site, in_tenant):
    # given: an English visitor who has picked a day
    page = browser_page(locale="en-GB")
    day = site.start.date().isoformat()
    page.goto(site_url(tenant_alpha, f"/s/massage/?month={site.start:%Y-%m}"))
    page.evaluate("window.stillTheSamePage = true")
    page.locator(f'a[data-day="{day}"]').click()
    page.wait_for_url(re.compile(rf"/s/massage/day/{day}/"))
    assert page.locator("#times a[data-start]").first.inner_text() == "9 a.m."
    # htmx swapped in the day's times without loading a new page, and the switcher now points at the day
    assert page.evaluate("window.stillTheSamePage") is True
    assert f"/s/massage/day/{day}/" in page.locator("#language-switcher a[hreflang=de]").get_attribute("href")
    page.shot("day-in-english")

    # when: Deutsch is chosen in the language switcher
    page.locator("#language-switcher").get_by_role("link", name="Deutsch").click()

    # then: the same day, in German, and German stays for the rest of the way
    page.wait_for_url(re.compile(rf"/s/massage/day/{day}/\?lang=de"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#times a[data-start]").first.inner_text() == "09:00"
    assert page.locator("#language-switcher a[aria-current=true]").inner_text() == "Deutsch"
    page.shot("day-in-german")
    page.locator(f'a[data-start="{start_parameter(site.start)}"]').click()
    page.locator("form.card button[type=submit]").click()  # no preference
    page.wait_for_url(re.compile(r"/s/massage/book/"))
    assert page.get_by_text("Worauf sollen wir achten?").is_visible()
    page.locator("#id_name").fill("Jonas Weber")
    page.locator("#id_email").fill("jonas@example.de")
    page.get_by_label("Rücken").check()
    page.get_by_label("Ich akzeptiere die Hausordnung").check()
    page.shot("form-in-german")
    page.locator("button[value=review]").click()
    page.locator("button[value=confirm]").click()
    page.wait_for_url(re.compile(r"/done/\?lang=de"))
    page.shot("confirmation-in-german")
    [booking] = bookings_of(tenant_alpha, in_tenant, "jonas@example.de")
    assert booking.language == "de"


def test_moving_between_months_keeps_the_staff_filter_current_and_the_keyboard_focus(browser_page, site_url,
                                                                                     tenant_alpha, site):
    # given: the date step, with htmx
    page = browser_page(locale="en-GB")
    page.goto(site_url(tenant_alpha, "/s/massage/?lang=en"))
    first_month = page.locator("#date-heading").inner_text()
    page.evaluate("window.stillTheSamePage = true")

    def focused_on(element_id: str) -> None:  # htmx settles a moment after the new address is shown
        # (expect polls without eval, which the page's Content-Security-Policy refuses to wait_for_function)
        expect(page.locator(f"#{element_id}")).to_be_focused(timeout=3_000)
    # when: the next month, with the keyboard
    page.locator('a[rel="next"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#date-heading")).not_to_have_text(first_month)
    # then: the same page, the month's heading has the focus, and the filter asks for this month
    next_month = page.locator('#picker form.filter input[name="month"]').get_attribute("value")
    assert page.evaluate("window.stillTheSamePage") is True
    focused_on("date-heading")
    assert page.url.endswith(f"/s/massage/?month={next_month}&lang=en")
    page.shot("next-month")
    # when: a day is picked there (htmx), then a staff member in the filter
    day = page.locator("a[data-day]").first
    day.click()
    page.wait_for_url(re.compile(r"/s/massage/day/"))
    focused_on("times-heading")
    page.shot("day")
    page.locator("#staff-filter").select_option(label="Max")
    page.get_by_role("button", name="Show times").click()
    # then: Max's days in the month the client was looking at
    page.wait_for_url(re.compile(rf"staff={site.max.pk}"))
    assert f"month={next_month}" in page.url
    assert page.locator("#date-heading").inner_text() != first_month


def test_the_date_step_works_without_javascript(browser_page, site_url, tenant_alpha, site):
    # given: a browser with JavaScript switched off
    page = browser_page(java_script_enabled=False, locale="en-GB")
    page.goto(site_url(tenant_alpha, "/s/massage/?lang=en"))
    first_month = page.locator("#date-heading").inner_text()
    # when: the next month, then a staff member
    page.locator('a[rel="next"]').click()
    page.wait_for_url(re.compile(r"month="))
    next_month = page.locator('#picker form.filter input[name="month"]').get_attribute("value")
    page.locator("#staff-filter").select_option(label="Anna")
    page.get_by_role("button", name="Show times").click()
    # then: Anna's days of that month
    page.wait_for_url(re.compile(rf"staff={site.anna.pk}"))
    assert f"month={next_month}" in page.url
    assert page.locator("#date-heading").inner_text() != first_month
    page.locator("a[data-day]").first.click()
    page.wait_for_url(re.compile(r"/s/massage/day/"))
    assert page.locator("#times a[data-start]").count() == 3


def _booking(tenant, in_tenant, site, email: str) -> Booking:
    with in_tenant(tenant):
        booking = booking_create_individual(tenant=tenant, service=site.massage, starts_at=site.start,
                                            staff=site.anna, client=client_details(email=email), language="en",
                                            answers={"topic": "back", "consent": True}, actor=OPERATOR)
    connection.set_schema_to_public()
    return booking


def test_cancelling_through_the_manage_link_with_self_service_on_and_refused_with_it_off(
    browser_page, site_url, tenant_alpha, site, in_tenant
):
    # given: self-service on
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(self_service=Service.SelfService.ON)
    connection.set_schema_to_public()
    booking = _booking(tenant_alpha, in_tenant, site, "cancel.me@example.com")
    page = browser_page()
    # when: the link from the email is followed and the client cancels
    page.goto(site_url(tenant_alpha, f"/b/{booking.manage_token}/"))
    assert page.locator("[data-status=confirmed]").is_visible()
    page.shot("manage-self-service-on")
    page.get_by_role("link", name="Cancel this booking").click()
    page.shot("cancel-question")
    page.get_by_role("button", name="Yes, cancel this booking").click()
    # then
    page.wait_for_url(re.compile(r"done=cancelled"))
    assert page.locator("[data-status=cancelled]").is_visible()
    assert page.get_by_text("Your booking is cancelled.").is_visible()
    page.shot("cancelled")
    assert bookings_of(tenant_alpha, in_tenant, "cancel.me@example.com")[0].status == "cancelled"

    # given: self-service off, another booking
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(self_service=Service.SelfService.OFF)
    connection.set_schema_to_public()
    kept = _booking(tenant_alpha, in_tenant, site, "keep.me@example.com")
    # when
    page.goto(site_url(tenant_alpha, f"/b/{kept.manage_token}/"))
    # then: no way to cancel online, a plain explanation and whom to contact
    assert page.get_by_role("link", name="Cancel this booking").count() == 0
    assert page.get_by_text("Changes to this booking are made by the organisation, not online.").is_visible()
    assert page.get_by_text("Please contact Alpha Studio").is_visible()
    page.shot("manage-self-service-off")
    page.goto(site_url(tenant_alpha, f"/b/{kept.manage_token}/cancel/"))
    assert page.get_by_role("button", name="Yes, cancel this booking").count() == 0
    page.shot("cancel-refused")
    assert bookings_of(tenant_alpha, in_tenant, "keep.me@example.com")[0].status == "confirmed"


def test_a_group_booking_works_without_javascript(browser_page, site_url, tenant_alpha, site, in_tenant):
    # given: a browser with JavaScript switched off
    page = browser_page(java_script_enabled=False)
    page.goto(site_url(tenant_alpha, "/?lang=en"))
    page.locator('[data-service="swimming"]').get_by_role("link", name="See sessions").click()
    # then: sessions with their remaining places; the full one cannot be chosen, only waited for
    full = page.locator(f'[data-session="{site.full_session.pk}"]')
    assert full.get_by_role("link", name=re.compile("Choose")).count() == 0
    assert full.get_by_role("link", name=re.compile("Join the waitlist")).is_visible()
    assert page.locator(f'[data-session="{site.few_left_session.pk}"]').get_by_text("Few left").is_visible()
    page.shot("sessions")
    # when
    page.locator(f'[data-session="{site.open_session.pk}"]').get_by_role("link", name=re.compile("Choose")).click()
    page.get_by_label("How many seats?").select_option("2")
    page.shot("seats")
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_name").fill("Lena Fischer")
    page.locator("#id_email").fill("lena@example.de")
    page.locator("button[value=review]").click()
    # then: the missing answer is shown next to its field
    assert page.locator("#id_answer_child_name_error").inner_text() == "This field is required."
    assert page.locator("#id_answer_child_name").get_attribute("aria-describedby") == "id_answer_child_name_error"
    page.shot("form-error")
    page.locator("#id_answer_child_name").fill("Mia")
    page.locator("button[value=review]").click()
    assert "€30" in page.locator("main").inner_text()
    page.shot("review")
    page.locator("button[value=confirm]").click()
    page.wait_for_url(re.compile(r"/done/"))
    page.shot("confirmation")
    [booking] = bookings_of(tenant_alpha, in_tenant, "lena@example.de")
    assert (booking.session_id, booking.seats) == (site.open_session.pk, 2)
