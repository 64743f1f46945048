"""Addresses no page of the site links to (typed by hand, cut off, crawled, fuzzed) get an ordinary page or a
404, never a server error."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.db import connection

from booking_core.selectors.public_pages import next_free_start_times
from tests.public_site.conftest import text_of

pytestmark = pytest.mark.django_db

ARABIC_INDIC_2026 = quote("٢٠٢٦")  # int() reads these as 2026, but they are no month a link of ours carries


def month_heading(response) -> str:
    return re.search(r'<h2 id="date-heading">([^<]+)</h2>', response.content.decode()).group(1)


@pytest.mark.parametrize("month", ["0000-01", "1899-12", "9999-12", f"{ARABIC_INDIC_2026}-01", "2026-1%C2%B2"])
def test_a_month_that_is_no_month_shows_the_first_bookable_month(client_for, tenant_alpha, site, month):
    # given
    client = client_for(tenant_alpha)
    first_month = month_heading(client.get("/s/massage/?lang=en"))
    # when
    response = client.get(f"/s/massage/?month={month}&lang=en")
    # then
    assert response.status_code == 200
    assert month_heading(response) == first_month


@pytest.mark.parametrize("start", ["9999-12-31T23:59-01:00", "0001-01-01T00:00%2B01:00", "9999-12-30T00:00Z",
                                   "1899-12-31T10:00Z"])
@pytest.mark.parametrize("step", ["book", "who"])
def test_a_start_time_out_of_any_calendar_goes_back_to_the_service(client_for, tenant_alpha, site, start, step):
    # when
    response = client_for(tenant_alpha).get(f"/s/massage/{step}/?start={start}&lang=en")
    # then: like any malformed choice, the client picks a day again
    assert (response.status_code, response["Location"]) == (302, "/s/massage/?lang=en")


def test_a_start_time_far_past_the_bookable_range_is_no_longer_available_without_alternatives(
        client_for, tenant_alpha, site):
    # when
    response = client_for(tenant_alpha).get("/s/massage/book/?start=8999-12-30T10:00Z&lang=en")
    # then
    assert response.status_code == 409
    assert "There are no free times in the next two weeks." in text_of(response)


def test_the_next_free_times_after_the_last_day_there_is_are_none(tenant_alpha, site, in_tenant):
    # when
    with in_tenant(tenant_alpha):
        alternatives = next_free_start_times(service=site.massage, zone=tenant_alpha.zone,
                                             after=dt.datetime(9999, 12, 30, tzinfo=dt.UTC))
    connection.set_schema_to_public()
    # then: the search for two weeks after it does not run off the calendar
    assert alternatives == []


SECRET_LINKS = ["/b/{token}/", "/b/{token}/done/", "/b/{token}/calendar.ics", "/b/{token}/cancel/",
                "/b/{token}/reschedule/", "/b/{token}/confirm/", "/o/{token}/", "/o/{token}/open.gif",
                "/o/{token}/accept/", "/o/{token}/decline/", "/w/{token}/", "/w/{token}/joined/", "/w/{token}/leave/",
                "/programmes/signups/{token}/", "/programmes/signups/{token}/withdraw/", "/programmes/offers/{token}/",
                "/programmes/offers/{token}/accept/", "/programmes/offers/{token}/decline/"]


@pytest.mark.parametrize("token", ["abcd%00efgh", "abcdefgh%C2%B2", "short", "x" * 65, "abcd.efgh"])
@pytest.mark.parametrize("link", SECRET_LINKS)
def test_a_secret_link_with_a_token_no_link_of_ours_has_is_a_404(client_for, tenant_alpha, link, token):
    # when
    response = client_for(tenant_alpha).get(link.format(token=token))
    # then
    assert response.status_code == 404


def test_a_well_formed_token_nobody_has_is_a_404_too(client_for, tenant_alpha):
    # when
    responses = [client_for(tenant_alpha).get(link.format(token="A" * 32)) for link in SECRET_LINKS]
    # then: the tracking image is always the image, whoever asks
    assert {link: response.status_code for link, response in zip(SECRET_LINKS, responses, strict=True)} == {
        link: 200 if link.endswith("open.gif") else 404 for link in SECRET_LINKS}
