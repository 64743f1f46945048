"""Abuse limits on the booking site's forms: the POSTs that book, join a waitlist or sign up count per address
and per email address on each tenant, valid or not, and so do the actions behind emailed links; over a limit the
visitor gets the 429 page in their language, saying how long to wait, with Retry-After. (The test settings switch
the limits off; `public_rate_limits` turns them on with the production defaults and freezes their clock.)"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from booking_core.models import Booking
from tests.public_site.conftest import text_of

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def group_form(**overrides) -> dict:
    data = {"name": "Jonas Weber", "email": "jonas@example.de", "answer_child_name": "Mia",
            "idempotency_key": "web-group-key", "step": "confirm"}
    data.update(overrides)
    return data


def book_path(site) -> str:
    return f"/s/swimming/book/?session={site.open_session.pk}&seats=1&lang=en"


def test_the_21st_booking_from_an_address_gets_the_429_page_saying_how_long_to_wait(client_for, tenant_alpha, site,
                                                                                     in_tenant, public_rate_limits):
    client = client_for(tenant_alpha)
    # given: reviews, which book nothing, do not count
    for _ in range(25):
        assert client.post(book_path(site), group_form(step="review"), REMOTE_ADDR=ADDRESS).status_code == 200
    # and 20 confirmations in 10 minutes (ALLOT_RATE_LIMIT_BOOKINGS_PER_IP, 20/10m), invalid ones included
    for number in range(20):
        response = client.post(book_path(site), group_form(name="Jonas" if number % 4 == 0 else "",
                                                           email=f"c{number}@example.com",
                                                           idempotency_key=f"key-{number}"), REMOTE_ADDR=ADDRESS)
        assert response.status_code in (200, 302), number
    public_rate_limits.advance(60)
    with in_tenant(tenant_alpha):
        booked = Booking.objects.count()
    # when: the 21st
    refused = client.post(book_path(site), group_form(idempotency_key="key-21"), REMOTE_ADDR=ADDRESS)
    # then: the 429 page; nothing booked
    assert refused.status_code == 429
    assert refused["Retry-After"] == "540"
    assert "Too many attempts Please wait 9 minutes and try again." in text_of(refused)
    with in_tenant(tenant_alpha):
        assert Booking.objects.count() == booked
    # when the window is over
    public_rate_limits.advance(540)
    # then
    assert client.post(book_path(site), group_form(idempotency_key="key-22"), REMOTE_ADDR=ADDRESS).status_code == 302


def test_the_429_page_speaks_the_visitors_language(client_for, tenant_alpha, site, public_rate_limits):
    public_rate_limits.set(bookings_per_ip="1/10m")
    client = client_for(tenant_alpha)
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats=1&lang=hu"
    client.post(path, group_form(name=""), REMOTE_ADDR=ADDRESS)
    # when
    refused = client.post(path, group_form(name=""), REMOTE_ADDR=ADDRESS)
    # then
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert '<html lang="hu">' in refused.content.decode()
    with translation.override("hu"):
        title = gettext("Too many attempts")
        wait = ngettext("Please wait a minute and try again.", "Please wait %(minutes)s minutes and try again.",
                        10) % {"minutes": 10}
    assert f"{title} {wait}" in text_of(refused)


def test_one_email_address_is_limited_whatever_the_address_it_comes_from(client_for, tenant_alpha,
                                                                         public_rate_limits):
    client = client_for(tenant_alpha)
    # given: 10 booking confirmations for one email address within the hour, from ten addresses, for a service
    # that does not exist (every request counts)
    for number in range(10):
        response = client.post("/s/no-such-service/book/", group_form(email="victim@example.com"),
                               REMOTE_ADDR=f"198.51.100.{number}")
        assert response.status_code == 404
    # when: the 11th, written another way, to a waitlist
    refused = client.post("/s/no-such-service/sessions/1/waitlist/", group_form(email="Victim@Example.com"),
                          REMOTE_ADDR="198.51.100.99")
    # then
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"


def test_bookings_waitlist_joins_and_sign_ups_share_the_addresss_count_on_one_tenant_only(
        client_for, tenant_alpha, tenant_beta, public_rate_limits):
    public_rate_limits.set(bookings_per_ip="3/10m")
    client = client_for(tenant_alpha)
    paths = ["/s/nope/book/", "/s/nope/sessions/1/waitlist/", "/s/nope/day/2030-01-01/waitlist/", "/p/nope/signup/"]
    assert [client.post(path, group_form(), REMOTE_ADDR=ADDRESS).status_code for path in paths] == [404, 404, 404,
                                                                                                    429]
    assert client.post("/s/nope/book/", group_form(), REMOTE_ADDR=ADDRESS).status_code == 429
    # showing the forms is not limited
    assert client.get("/s/nope/book/", REMOTE_ADDR=ADDRESS).status_code == 404
    # and the same address on beta has its own count
    assert client_for(tenant_beta).post("/s/nope/book/", group_form(), REMOTE_ADDR=ADDRESS).status_code == 404


def test_an_address_that_never_confirmed_anything_gets_three_bookings_an_hour(client_for, tenant_alpha, site,
                                                                              in_tenant, public_rate_limits):
    client = client_for(tenant_alpha)
    for number in range(3):
        booked = client.post(book_path(site), group_form(idempotency_key=f"key-{number}"),
                             REMOTE_ADDR=f"198.51.100.{number}")
        assert booked.status_code == 302
    refused = client.post(book_path(site), group_form(idempotency_key="key-4"), REMOTE_ADDR="198.51.100.50")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(client__email="jonas@example.de").count() == 3


def test_actions_behind_emailed_links_are_limited_per_address(client_for, tenant_alpha, public_rate_limits):
    public_rate_limits.set(manage_per_ip="2/10m")
    client = client_for(tenant_alpha)
    token = "x" * 32
    assert client.post(f"/b/{token}/cancel/", REMOTE_ADDR=ADDRESS).status_code == 404
    assert client.post(f"/o/{token}/accept/", REMOTE_ADDR=ADDRESS).status_code == 404
    for path in (f"/b/{token}/reschedule/", f"/b/{token}/confirm/", f"/o/{token}/decline/", f"/w/{token}/leave/",
                 f"/programmes/signups/{token}/withdraw/", f"/programmes/offers/{token}/accept/",
                 f"/programmes/offers/{token}/decline/"):
        assert client.post(path, REMOTE_ADDR=ADDRESS).status_code == 429, path
    # the pages themselves still show (a GET changes nothing)
    assert client.get(f"/b/{token}/cancel/", REMOTE_ADDR=ADDRESS).status_code == 404
