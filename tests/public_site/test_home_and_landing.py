"""The tenant's home page and the root domain's landing page."""

import re

import pytest

from tests.public_site.conftest import text_of

pytestmark = pytest.mark.django_db


def test_home_shows_the_tenant_and_its_services_grouped_by_kind(client_for, tenant_alpha, site):
    # when
    response = client_for(tenant_alpha).get("/?lang=en")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "<h1>Alpha Studio</h1>" in html
    individual, group = html.split('id="individual-heading"')[1].split('id="group-heading"')
    assert 'data-service="massage"' in individual and 'data-service="swimming"' not in individual
    assert 'data-service="swimming"' in group and 'data-service="massage"' not in group
    assert "Massage An hour of deep relaxation. Price: €60 Duration: 1 hour" in text
    assert "Swimming Small groups in the big pool. Price: €15 per seat Duration: 1 hour" in text
    assert 'href="/s/massage/?lang=en"' in html


def test_home_shows_tenant_content_in_the_chosen_language(client_for, tenant_alpha, site):
    # when
    text = text_of(client_for(tenant_alpha).get("/?lang=hu"))
    # then: names and descriptions in Hungarian, the price written the Hungarian way
    assert "Masszázs Egy óra mély ellazulás. Price: 60\u00a0€" in text.replace("Ár:", "Price:")
    # Swimming has no Hungarian description: the tenant's default language (English) stands in
    assert "Úszás Small groups in the big pool." in text


def test_home_says_so_when_nothing_can_be_booked(client_for, tenant_beta):
    # when
    response = client_for(tenant_beta).get("/?lang=en")
    # then
    assert response.status_code == 200
    assert "Nothing can be booked online at the moment." in text_of(response)


def test_root_domain_explains_allot_and_links_to_the_sign_up(client_for):
    # when
    response = client_for(None).get("/?lang=en")
    # then
    assert response.status_code == 200
    text = text_of(response)
    assert "Allot is the booking platform for organisations" in text
    assert 'href="/signup/?lang=en"' in response.content.decode()


def test_the_sign_up_link_leads_to_the_organisation_sign_up_form(client_for):
    # when
    response = client_for(None).get("/signup/?lang=en")
    # then (the form itself: tests/tenants/test_signup.py)
    assert response.status_code == 200
    assert "Sign up your organisation" in text_of(response)
    assert 'name="slug"' in response.content.decode()


def test_root_domain_offers_every_language(client_for):
    # when
    html = client_for(None).get("/?lang=de").content.decode()
    # then
    assert '<html lang="de">' in html
    assert 'hreflang="en"' in html and 'hreflang="hu"' in html and 'hreflang="de"' in html


@pytest.mark.parametrize("language", ["en", "hu", "de"])
def test_the_demo_catalogue_can_be_browsed_in_every_language(client_for, tenant_alpha, in_tenant, language):
    # given
    from booking_core.demo import seed

    with in_tenant(tenant_alpha):
        seed(tenant_alpha)
    client = client_for(tenant_alpha)
    # when
    pages = [client.get(f"{path}?lang={language}") for path in ("/", "/s/consultation/", "/s/group-class/")]
    calendar = pages[1].content.decode()
    first_day = re.search(r'href="(/s/consultation/day/[^"]+)"', calendar)
    if first_day is None:  # this month is over for bookings: the next one
        next_month = re.search(r'href="([^"]+)" rel="next"', calendar).group(1).replace("&amp;", "&")
        first_day = re.search(r'href="(/s/consultation/day/[^"]+)"', client.get(next_month).content.decode())
    pages.append(client.get(first_day.group(1).replace("&amp;", "&")))
    # then
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    assert f'<html lang="{language}">' in pages[0].content.decode()
    assert re.search(r'data-start="[^"]+"', pages[3].content.decode())
