"""Under the Content-Security-Policy, in a real browser: the sign-in pages with their second factor, the Django
admin and the API docs work, and nothing is blocked (browser_page fails a test on any violation)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.conftest import PASSWORD
from tests.support.sign_in import KNOWN_SECRET, TOTP_PERIOD, forget_sign_in_limits, give_totp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def current_code(secret: str = KNOWN_SECRET) -> str:
    """The authenticator app's code, not within two seconds of changing (the server allows no drift)."""
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
        time.sleep(2.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


@pytest.fixture(autouse=True)
def _no_earlier_attempts():
    forget_sign_in_limits()
    yield
    forget_sign_in_limits()


def test_the_policy_check_sees_what_the_policy_blocks(browser_page, site_url, tenant_alpha):
    # given: a booking site page
    page = browser_page()
    page.goto(site_url(tenant_alpha, "/?lang=en"))
    # when: something injects an inline style and an inline script
    page.evaluate("""() => {
        const style = document.createElement("style");
        style.textContent = "body { background: red }";
        document.head.appendChild(style);
        const script = document.createElement("script");
        script.textContent = "document.title = 'owned'";
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(200)
    # then: both are blocked and reported
    assert page.title() != "owned"
    assert any("style-src" in violation for violation in browser_page.csp_violations)
    assert any("script-src" in violation for violation in browser_page.csp_violations)
    browser_page.csp_violations.clear()  # expected here


def test_platform_staff_sign_in_with_their_second_factor_and_use_the_admin(browser_page, site_url, user):
    # given: staff with an authenticator
    give_totp(user("platform_staff"))
    page = browser_page(locale="en-GB")
    # when: they open the admin
    page.goto(site_url(None, "/admin/"))
    # then: allauth's sign-in, in the site's look
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F"))
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.shot("sign-in")
    page.get_by_label("Email").fill("platform_staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # then: the second factor
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.shot("second-factor")
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name="Sign In").click()
    # then: the admin, and a change page with its widgets (autocomplete, inlines)
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.get_by_role("link", name="Organisations").is_visible()
    page.shot("admin")
    page.goto(site_url(None, "/admin/tenants/tenant/"))
    page.get_by_role("link", name="Alpha Studio").click()
    page.wait_for_selector(".select2-container")
    page.shot("tenant")


def test_a_member_signs_in_on_their_organisations_host(browser_page, site_url, tenant_alpha):
    # given
    page = browser_page(locale="en-GB")
    page.goto(site_url(tenant_alpha, "/admin/"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    # then: the organisation's header on the sign-in page
    assert page.locator(".site-header").inner_text().strip().startswith("Alpha Studio")
    page.shot("sign-in")
    # when
    page.get_by_label("Email").fill("alpha_owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # then
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.get_by_role("heading", name="Manage your organisation").is_visible()
    page.shot("admin")


def test_the_api_docs_render_their_operations(browser_page, site_url, tenant_alpha):
    # given
    page = browser_page(viewport={"width": 1200, "height": 900})
    # when (Swagger UI's bundle is large and the schema is generated on request: slow on a busy machine)
    page.goto(site_url(tenant_alpha, "/api/docs/"), wait_until="domcontentloaded", timeout=60_000)
    # then: Swagger UI has loaded the schema and lists the operations
    page.wait_for_selector(".opblock-summary-path", timeout=60_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/services/").first.is_visible()
    page.shot("docs")
