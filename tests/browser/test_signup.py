"""Signing an organisation up in a real browser, in Hungarian: the subdomain checked as it is typed, the time
zone taken from the browser, and the owner landing signed in on the new host's back office, whose booking site
then serves. Nothing is blocked by the Content-Security-Policy (browser_page fails the test otherwise)."""

from __future__ import annotations

import copy
import re

import pytest

from tenants.models import Tenant
from tests.support.sign_in import forget_sign_in_limits

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _no_earlier_attempts():
    forget_sign_in_limits()
    yield
    forget_sign_in_limits()


@pytest.fixture
def forms_may_lead_to_the_live_servers_port(settings, live_server_port):
    """The policy's form-action names the platform's hosts with ALLOT_PUBLIC_PORT (`make up` sets its port), so
    that the sign-up's redirect to the new host is allowed; the live server's port is a random one."""
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", f"localhost:{live_server_port}", f"*.localhost:{live_server_port}"]
    settings.CONTENT_SECURITY_POLICY = policy


def test_an_owner_signs_up_in_hungarian_and_lands_in_their_back_office(browser_page, site_url, tenant_alpha,
                                                                       live_server_port,
                                                                       forms_may_lead_to_the_live_servers_port):
    # given: a Hungarian browser in Budapest's zone, on the landing page
    page = browser_page(locale="hu-HU", timezone_id="Europe/Vienna")
    page.goto(site_url(None, "/?lang=hu"))
    page.locator("main a.button").click()
    page.wait_for_url(re.compile(r"/signup/"))
    # then: the form speaks Hungarian and took the browser's time zone
    assert page.locator("html").get_attribute("lang") == "hu"
    page.wait_for_function("document.querySelector('#id_timezone').value === 'Europe/Vienna'")
    # when: a taken subdomain is typed
    page.fill("#id_organisation_name", "Delta Úszóiskola")
    page.locator("#id_slug").press_sequentially("alpha", delay=20)
    # then: it says so next to the field, as it is typed
    page.wait_for_selector('#subdomain-check [data-problem="taken"]')
    # when: a reserved one, then a free one
    page.fill("#id_slug", "")
    page.locator("#id_slug").press_sequentially("admin", delay=20)
    page.wait_for_selector('#subdomain-check [data-problem="reserved"]')
    page.fill("#id_slug", "")
    page.locator("#id_slug").press_sequentially("delta", delay=20)
    page.wait_for_selector('#subdomain-check [data-problem="none"]')
    assert "delta.localhost" in page.locator("#subdomain-check").inner_text()
    page.shot("form-filled-in")
    # when: the rest, with a password Django's validators refuse
    page.fill("#id_owner_name", "Kovács Anna")
    page.fill("#id_email", "anna@delta.example")
    page.fill("#id_password", "12345678")
    page.select_option("#id_country", "HU")
    page.locator("form button[type=submit]").click()
    # then: refused next to the password; nothing created
    page.wait_for_selector(".field--error #id_password")
    page.shot("password-refused")
    assert not Tenant.objects.filter(slug="delta").exists()
    assert page.locator("#id_timezone").input_value() == "Europe/Vienna"  # the choice is kept
    # when: a good password
    page.fill("#id_password", "kek-lo-fut-2026-nyaron")
    page.locator("form button[type=submit]").click()
    # then: on the new host's back office, signed in
    page.wait_for_url(f"http://delta.localhost:{live_server_port}/office/")
    assert "Delta Úszóiskola" in page.locator("h1").inner_text()
    page.shot("back-office")
    tenant = Tenant.objects.get(slug="delta")
    assert (tenant.status, tenant.timezone, tenant.default_language) == ("trial", "Europe/Vienna", "hu")
    # when: the booking site
    page.locator("a[href='/']").first.click()
    page.wait_for_url(f"http://delta.localhost:{live_server_port}/")
    # then
    assert "Delta Úszóiskola" in page.locator(".site-header").inner_text()
    page.shot("booking-site")
