"""Error pages in the tenant's branding and language: 404, 500 and a suspended organisation."""

import pytest

from tenants import resolution
from tenants.models import Tenant
from tests.public_site.conftest import text_of

pytestmark = pytest.mark.django_db


def brand(tenant, colour="#1b5e20") -> None:
    Tenant.objects.filter(pk=tenant.pk).update(primary_colour=colour)
    resolution.forget_local()


def test_an_unknown_page_is_a_404_in_the_tenants_colours_and_the_visitors_language(client_for, tenant_alpha):
    # given
    brand(tenant_alpha)
    client = client_for(tenant_alpha)
    client.cookies["django_language"] = "de"
    # when
    response = client.get("/no-such-page/")
    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "--brand:#1b5e20" in html
    assert "Alpha Studio" in text_of(response)
    assert 'href="/?lang=de"' in html


def test_an_unknown_booking_link_is_a_404_page_too(client_for, tenant_alpha):
    response = client_for(tenant_alpha).get("/b/no-such-token/?lang=hu")
    assert response.status_code == 404
    assert '<html lang="hu">' in response.content.decode()


def test_a_server_error_shows_a_branded_page_in_the_visitors_language(client_for, tenant_alpha, monkeypatch):
    # given: the catalogue cannot be read
    brand(tenant_alpha)

    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setattr("public_site.views.services_for_clients", broken)
    client = client_for(tenant_alpha, raise_request_exception=False)
    # when
    response = client.get("/?lang=hu")
    # then
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="hu">' in html
    assert "--brand:#1b5e20" in html
    assert "Alpha Studio" in text_of(response)
    assert "database on fire" not in html


def test_a_suspended_organisations_site_says_so_in_its_branding_and_language(client_for, tenant_beta):
    # given: beta's default language is German
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.SUSPENDED, primary_colour="#6a1b9a",
                                                     contact_email="info@beta.example")
    resolution.forget_local()
    # when
    response = client_for(tenant_beta).get("/s/anything/")
    # then
    assert response.status_code == 503
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "--brand:#6a1b9a" in html
    assert "Beta Schwimmschule" in text_of(response)
    assert "info@beta.example" in html


def test_the_suspended_page_follows_a_language_the_visitor_chose(client_for, tenant_beta):
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.SUSPENDED)
    resolution.forget_local()
    response = client_for(tenant_beta).get("/?lang=hu")
    assert '<html lang="hu">' in response.content.decode()
    assert "Átmenetileg nem elérhető" in text_of(response)


def test_an_unknown_host_says_there_is_no_booking_site(client):
    response = client.get("/?lang=en", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    text = text_of(response)
    assert "There is no booking site here" in text and "nobody.localhost" in text


def csrf_failure(client_for, tenant, site, **cookies):
    client = client_for(tenant, enforce_csrf_checks=True)
    for name, value in cookies.items():
        client.cookies[name] = value
    return client.post(f"/s/swimming/sessions/{site.full_session.pk}/waitlist/",
                       {"seats": "1", "name": "Jonas Weber", "email": "jonas@example.de", "answer_child_name": "Mia"})


def test_a_form_sent_without_its_security_token_gets_a_branded_page_and_changes_nothing(client_for, tenant_alpha,
                                                                                         site, in_tenant):
    # given: a browser whose form lost its CSRF token (a page left open for days, cookies blocked)
    from booking_core.models import WaitlistEntry

    brand(tenant_alpha)
    # when
    response = csrf_failure(client_for, tenant_alpha, site, django_language="en")
    # then: the site's own page in its colours, not Django's technical one
    assert response.status_code == 403
    text = text_of(response)
    assert "Your form could not be sent" in text
    assert "Nothing has been booked or changed." in text
    assert "Please go back, reload the page and send the form again." in text
    assert "Alpha Studio" in text and "CSRF" not in text
    assert "--brand:#1b5e20" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert not WaitlistEntry.objects.exists()


def test_the_csrf_failure_page_speaks_the_visitors_language(client_for, tenant_alpha, site):
    response = csrf_failure(client_for, tenant_alpha, site, django_language="de")
    assert response.status_code == 403
    assert '<html lang="de">' in response.content.decode()
    assert 'href="/?lang=de"' in response.content.decode()
    assert "Ihr Formular konnte nicht gesendet werden" in text_of(response)
