"""The back office's settings and catalogue in a real browser: the branding's live contrast check and preview
(within the Content-Security-Policy), and the catalogue's forms on a phone."""

from __future__ import annotations

import re

import pytest

from public_site.branding import contrast_ratio
from tests.browser.conftest import assert_fits_the_screen
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page, site_url, tenant, path: str) -> None:
    page.goto(site_url(tenant, path))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("#id_login").fill("alpha_owner@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def test_the_branding_contrast_check_follows_the_colour_as_it_changes(browser_page, site_url, tenant_alpha):
    page = browser_page()
    sign_in(page, site_url, tenant_alpha, "/office/settings/")
    result = page.locator("[data-contrast-result]")
    assert "white text" in result.inner_text()  # the default blue
    page.shot("settings")
    # when: a light yellow is picked (no request: the page works it out)
    page.locator("#id_primary_colour").fill("#ffe600")
    # then: buttons get black text, and the preview takes the colour
    assert "black text" in result.inner_text()
    assert f"{contrast_ratio('#ffe600', '#000000'):.2f}:1" in result.inner_text()  # the site's own rule
    background = page.locator(".brand-preview .button").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 230, 0)"
    page.shot("yellow")
    # and the server's preview (without saving) says the same
    page.locator('button[name="preview"]').click()
    page.wait_for_selector("text=Preview (not saved yet)")
    assert "black text" in page.locator("[data-contrast-result]").inner_text()
    assert_fits_the_screen(page)


def test_the_catalogue_pages_fit_a_phone(browser_page, site_url, tenant_alpha):
    page = browser_page()
    sign_in(page, site_url, tenant_alpha, "/office/catalogue/services/new/")
    assert_fits_the_screen(page)
    page.shot("service-new")
    for path in ("/office/catalogue/staff/", "/office/catalogue/sessions/", "/office/settings/notifications/",
                 "/office/settings/notifications/booking.confirmed/"):
        page.goto(site_url(tenant_alpha, path))
        assert_fits_the_screen(page)
        page.shot(path.strip("/").replace("/", "-"))
