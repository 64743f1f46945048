"""Content-Security-Policy, Referrer-Policy and Permissions-Policy on the booking site, the sign-in pages, the
admin and the API docs. (That browsers show the pages without a violation: tests/browser.)"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.test import RequestFactory

from public_site.pages import secret_link_page
from tenants import resolution
from tenants.models import Tenant
from tests.public_site.test_private_pages import secret_links  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
# Event handler attributes and style attributes (not `<a data-style=…>`, `hx-on` is disabled too).
INLINE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\s(on[a-z]+|style)\s*=", re.I)


def policy(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    directives = {}
    for part in response[header].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def source_of(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


def assert_strict_page(response) -> dict[str, list[str]]:
    """No inline script or handler, no style attribute; each <style> allowed by its hash, nothing else inline."""
    html = response.content.decode()
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["style-src"] and "'unsafe-eval'" not in directives["script-src"]
    styles = STYLE.findall(html)
    assert styles, "every page carries the brand style"
    assert {source_of(css) for css in styles} <= set(directives["style-src"])
    for attributes, body in SCRIPT.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" not in attributes or not body.strip()
    assert not INLINE_ATTRIBUTE.search(html), INLINE_ATTRIBUTE.search(html).group(0)
    return directives


@pytest.fixture
def yellow_alpha(tenant_alpha):
    Tenant.objects.filter(pk=tenant_alpha.pk).update(primary_colour="#ffd400", button_style="pill")
    resolution.forget_local()
    return Tenant.objects.get(pk=tenant_alpha.pk)


def test_booking_site_pages_allow_only_their_own_files_and_their_brand_style(client_for, yellow_alpha, site):
    client = client_for(yellow_alpha)
    for path in ["/?lang=en", "/s/massage/?lang=en", "/s/swimming/?lang=en", f"/s/swimming/sessions/"
                 f"{site.open_session.pk}/?lang=en", "/no-such-page/?lang=en"]:
        # when
        response = client.get(path)
        # then
        assert response.status_code in (200, 404), path
        directives = assert_strict_page(response)
        assert directives["style-src"] == ["'self'", source_of(STYLE.findall(response.content.decode())[0])], path
        assert "--brand:#ffd400" in response.content.decode()


def test_each_tenant_has_the_hash_of_its_own_colours(client_for, yellow_alpha, tenant_beta):
    alpha_policy = policy(client_for(yellow_alpha).get("/?lang=en"))
    beta_policy = policy(client_for(tenant_beta).get("/?lang=en"))
    assert alpha_policy["style-src"] != beta_policy["style-src"]


@pytest.mark.parametrize("path", ["/", "/signup/", "/accounts/login/", "/accounts/signup/",
                                  "/accounts/password/reset/", "/no-such-page/"])
def test_root_domain_pages_are_strict_too(path, client_for):
    assert_strict_page(client_for(None).get(path))


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_sign_in_pages_on_a_tenants_host_are_strict_and_branded(path, client_for, yellow_alpha):
    response = client_for(yellow_alpha).get(path)
    assert response.status_code == 200
    assert_strict_page(response)
    assert "--brand:#ffd400" in response.content.decode()
    assert "Alpha Studio" in response.content.decode()


def test_an_unknown_host_and_a_suspended_tenant_have_the_policy(client_for, tenant_alpha):
    # given
    from django.test import Client

    Tenant.objects.filter(pk=tenant_alpha.pk).update(status=Tenant.Status.SUSPENDED)
    resolution.forget_local()
    # when
    unknown = Client(HTTP_HOST="nobody.localhost").get("/")
    suspended = client_for(tenant_alpha).get("/")
    # then
    assert (unknown.status_code, suspended.status_code) == (404, 503)
    assert_strict_page(unknown)
    assert_strict_page(suspended)


@pytest.mark.parametrize("side", ["root", "tenant"])
def test_the_admin_allows_its_inline_styles_but_no_inline_scripts(side, client_for, tenant_alpha, member_client,
                                                                  staff_client):
    # given
    client = staff_client() if side == "root" else member_client(tenant_alpha, "alpha_owner")
    for path in ["/admin/", "/admin/tenants/tenant/" if side == "root" else "/admin/booking_core/service/add/"]:
        # when
        response = client.get(path)
        # then: Django's admin and its widgets set styles inline; its scripts are files
        assert response.status_code == 200, path
        directives = policy(response)
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
        assert directives["script-src"] == ["'self'"]
        for attributes, _body in SCRIPT.findall(response.content.decode()):
            assert "src=" in attributes or 'type="application/json"' in attributes, (path, attributes)


def test_the_api_docs_load_their_start_up_script_as_a_file(client_for, tenant_alpha):
    # given
    client = client_for(tenant_alpha)
    # when
    page = client.get("/api/docs/")
    # then
    assert page.status_code == 200
    html = page.content.decode()
    scripts = SCRIPT.findall(html)
    assert scripts and all("src=" in attributes and not body.strip() for attributes, body in scripts)
    start_up = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', html).group(1)
    script = client.get(start_up.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert policy(page)["script-src"] == ["'self'"]


# --- Referrer-Policy and Permissions-Policy --------------------------------------------------------------------


def test_pages_send_only_their_origin_to_other_sites(client_for, tenant_alpha):
    response = client_for(tenant_alpha).get("/?lang=en")
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_behind_secret_links_send_no_referer_to_other_sites(client_for, tenant_alpha, secret_links):  # noqa: F811
    client = client_for(tenant_alpha)
    referrer_policies = {path: client.get(f"{path}?lang=en")["Referrer-Policy"] for path in secret_links}
    assert referrer_policies == dict.fromkeys(secret_links, "same-origin")


def test_the_secret_link_decorator_sets_same_origin():
    from django.http import HttpResponse

    view = secret_link_page(lambda request: HttpResponse("ok"))
    assert view(RequestFactory().get("/b/x/"))["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/?lang=en", "/accounts/login/", "/api/v1/services/", "/brand/logo"])
def test_browser_features_nobody_uses_are_switched_off(path, client_for, tenant_alpha):
    response = client_for(tenant_alpha).get(path)
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    assert {features[name] for name in ("camera", "microphone", "geolocation", "payment", "usb")} == {"()"}


def test_htmx_runs_without_eval_or_inline_styles(client_for, tenant_alpha):
    html = client_for(tenant_alpha).get("/?lang=en").content.decode()
    assert ('<meta name="htmx-config" content=\'{"includeIndicatorStyles":false,"allowEval":false}\'>'
            in html)


@pytest.mark.parametrize("path", ["/s/massage/", "/admin/"])
def test_the_policy_kept_per_tenant_is_the_one_django_csp_builds(path, yellow_alpha):
    from django.http import HttpResponse

    from allot.security_headers import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    requests = [RequestFactory().get(path) for _ in range(2)]
    for request in requests:
        request.tenant = yellow_alpha
        middleware.process_request(request)
    customised = HttpResponse()
    customised._csp_update = {}  # a view decorated with csp_update: django-csp builds the header itself
    # when
    kept = middleware.process_response(requests[0], HttpResponse())
    built = middleware.process_response(requests[1], customised)
    # then
    assert kept["Content-Security-Policy"] == built["Content-Security-Policy"]
