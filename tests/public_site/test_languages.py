"""Languages: a visible switcher on every page, the choice kept in the URL and a cookie, only the tenant's
enabled languages, tenant content with a fallback, and dates, times and prices written per language."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import translation

from booking_core.models import Service
from public_site.formatting import format_duration, format_price
from tenants import resolution
from tenants.models import Tenant
from tests.factories import make_service
from tests.public_site.conftest import start_parameter, text_of

pytestmark = pytest.mark.django_db


def languages_offered(html: str) -> list[str]:
    switcher = html.split('id="language-switcher"')[1].split("</nav>")[0]
    return re.findall(r'hreflang="(\w\w)"', switcher)


def set_languages(tenant, enabled, default) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(enabled_languages=enabled, default_language=default)
    resolution.forget_local()


def page_paths(site) -> list[str]:
    day = site.start.date().isoformat()
    return ["/", "/s/massage/", f"/s/massage/day/{day}/", f"/s/massage/who/?start={start_parameter(site.start)}",
            f"/s/massage/book/?start={start_parameter(site.start)}", "/s/swimming/",
            f"/s/swimming/sessions/{site.open_session.pk}/", f"/s/swimming/book/?session={site.open_session.pk}",
            "/no-such-page/"]


def test_every_page_has_the_language_switcher_with_this_page_in_each_language(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    for path in page_paths(site):
        # when
        html = client.get(path).content.decode()
        # then
        assert languages_offered(html) == ["en", "hu", "de"], path
        german = rf'href="{re.escape(path.split("?")[0])}\?[^"]*lang=de" lang="de" hreflang="de">Deutsch</a>'
        assert re.search(german, html), path


def test_picking_a_language_keeps_it_in_the_links_and_in_a_cookie(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    # when
    response = client.get("/?lang=de")
    # then: German page, German links, and a cookie for pages reached without the parameter
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert response["Content-Language"] == "de"
    assert response.cookies["django_language"].value == "de"
    assert 'href="/s/massage/?lang=de"' in html
    assert "Massage Eine Stunde tiefe Entspannung." in text_of(response)
    # when: a page without ?lang (the cookie is sent)
    again = client.get("/s/swimming/")
    assert '<html lang="de">' in again.content.decode()
    assert "Schwimmen" in text_of(again)


def test_switching_language_mid_flow_stays_on_the_same_step(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    path = f"/s/massage/book/?start={start_parameter(site.start)}&lang=en"
    english = client.get(path).content.decode()
    switch = re.search(r'href="([^"]+)" lang="hu"', english).group(1).replace("&amp;", "&")
    # when
    hungarian = client.get(switch)
    # then: the same time, now in Hungarian
    html = hungarian.content.decode()
    assert switch.startswith("/s/massage/book/?start=")
    assert '<html lang="hu">' in html
    assert "Mire figyeljünk?" in html
    assert f'action="{switch}"'.replace("&", "&amp;") in html


def test_only_the_tenants_enabled_languages_are_offered(client_for, tenant_alpha, site):
    # given
    set_languages(tenant_alpha, ["en", "hu"], "hu")
    client = client_for(tenant_alpha)
    # when
    response = client.get("/?lang=de")
    # then: German is neither offered nor used, nor remembered; the tenant's default is used
    html = response.content.decode()
    assert languages_offered(html) == ["en", "hu"]
    assert '<html lang="hu">' in html
    assert "django_language" not in response.cookies
    # and a German cookie or browser is not obeyed either
    client.cookies["django_language"] = "de"
    assert '<html lang="hu">' in client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_without_a_choice_the_browsers_language_then_the_tenants_default_is_used(client_for, tenant_beta):
    client = client_for(tenant_beta)
    assert '<html lang="hu">' in client.get("/", HTTP_ACCEPT_LANGUAGE="hu-HU,hu;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="de">' in client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR").content.decode()
    assert '<html lang="de">' in client.get("/").content.decode()


def test_tenant_content_falls_back_to_the_tenants_default_language(client_for, tenant_beta, in_tenant):
    # given: beta's default is German; one service has only a German name, another only an English one
    with in_tenant(tenant_beta):
        make_service(Service.Kind.GROUP, slug="kurs", name_en="", name_de="Schwimmkurs",
                     description_de="Für Anfänger.")
        make_service(Service.Kind.GROUP, slug="english-only", name_en="Open water", name_de="")
    connection.set_schema_to_public()
    # when
    text = text_of(client_for(tenant_beta).get("/?lang=hu"))
    # then
    assert "Schwimmkurs Für Anfänger." in text
    assert "Open water" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["€60", "€25.50", "HUF\u00a015,000"]),
        ("hu", ["60\u00a0€", "25,50\u00a0€", "15\u00a0000\u00a0Ft"]),
        ("de", ["60\u00a0€", "25,50\u00a0€", "15.000\u00a0HUF"]),
    ],
)
def test_prices_are_written_the_way_each_language_writes_them(language, expected):
    # when
    prices = [format_price(6000, "EUR", language), format_price(2550, "EUR", language),
              format_price(1500000, "HUF", language)]
    # then
    assert prices == expected


def test_a_price_of_zero_is_free():
    with translation.override("en"):
        assert format_price(0, "EUR") == "Free"


def test_durations_read_naturally():
    with translation.override("en"):
        assert [format_duration(minutes) for minutes in (45, 60, 90, 120)] == [
            "45 min", "1 hour", "1 h 30 min", "2 hours"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Wednesday, Jan. 9, 2030, 10 a.m.–11 a.m. (Europe/Budapest)"),
     ("hu", "szerda, 2030. január 9., 10:00–11:00 (Europe/Budapest)"),
     ("de", "Mittwoch, 9. Januar 2030, 10:00–11:00 (Europe/Budapest)")],
)
def test_dates_and_times_are_written_per_language_in_the_tenants_zone(client_for, tenant_alpha, site, in_tenant,
                                                                       language, expected):
    # given: a fixed day far enough ahead; 09:00 UTC is 10:00 in Budapest in winter
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(horizon_days=3650)
    connection.set_schema_to_public()
    start = dt.datetime(2030, 1, 9, 9, tzinfo=dt.UTC)
    # when
    text = text_of(client_for(tenant_alpha).get(f"/s/massage/book/?start={start_parameter(start)}&lang={language}"))
    # then
    assert expected in text


@pytest.mark.parametrize("staff", [None, 3])
@pytest.mark.parametrize("language", ["en", "hu"])
def test_a_query_builder_writes_the_links_site_url_writes(language, staff):
    # given: the links of a day's free times, built once per page
    from public_site.forms import start_parameter as start_of
    from public_site.languages import site_query_builder, site_url

    starts = [dt.datetime(2026, 12, 9, 7, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 9, 16, 30, tzinfo=dt.UTC)]
    with translation.override(language):
        to_form = site_query_builder("public-book", "massage", first="start", staff=staff)
        to_staff = site_query_builder("public-service-staff", "massage", first="start")
        # then: the same links as one site_url per time
        for start in starts:
            assert to_form(start_of(start)) == site_url("public-book", "massage", start=start_of(start), staff=staff)
            assert to_staff(start_of(start)) == site_url("public-service-staff", "massage", start=start_of(start))
        assert to_form("a&b c/é") == site_url("public-book", "massage", start="a&b c/é", staff=staff)
