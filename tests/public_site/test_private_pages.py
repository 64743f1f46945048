"""The pages behind the secret links in emails show names, email addresses and answers: no cache may keep
them, neither a shared proxy, nor the browser's disk, nor the site's own page cache."""

import pytest
from django.db import connection
from django.urls import get_resolver

from allot.url_converters import SecretTokenConverter
from booking_core.acting import Actor
from booking_core.programmes.models import PlaceOffer
from booking_core.programmes.services.signups import signup_withdraw
from booking_core.services.bookings import booking_create_individual
from tests.factories import OPERATOR, client_details
from tests.programmes.factories import make_group, make_programme, one
from tests.public_site.waitlist_scene import free_a_seat, join, offer_of

# Their programmes run in December 2026 (tests/programmes/factories.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programmes_month_clock")]


@pytest.fixture
def secret_links(programmes_month_clock, tenant_alpha, site, in_tenant) -> list[str]:
    """Every page behind a secret link, for a booking, a waitlist entry and its offer, a programme sign-up and
    its place offer (the programme runs in December 2026: the clock stays in that month while the fixture
    lasts)."""
    with in_tenant(tenant_alpha):
        booking = booking_create_individual(
            tenant=tenant_alpha, service=site.massage, starts_at=site.start, staff=site.anna,
            client=client_details(name="Kiss Dóra", email="dora@example.hu"), answers={"topic": "back",
                                                                                        "consent": True},
            actor=OPERATOR)
        entry = join(site.full_session, email="dora@example.hu", seats=2, answers={"child_name": "Bogi"})
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(entry)
        programme = make_programme(slug="swimming-december")
        monday = make_group(programme, 1)
        taken = one(tenant_alpha, programme, [monday.pk])
        waiting = one(tenant_alpha, programme, [monday.pk], attendees=["Lena"])
        signup_withdraw(tenant=tenant_alpha, signup=taken, actor=Actor.client("x@example.com"))
        place_offer = PlaceOffer.objects.get(signups=waiting)
    connection.set_schema_to_public()
    return [
        *(f"/b/{booking.manage_token}/{page}" for page in ("", "done/", "calendar.ics", "cancel/", "reschedule/",
                                                            "confirm/", "payment/")),
        *(f"/o/{offer.token}/{page}" for page in ("", "open.gif", "accept/", "decline/")),
        *(f"/w/{entry.token}/{page}" for page in ("", "joined/", "leave/")),
        *(f"/programmes/signups/{waiting.token}/{page}" for page in ("", "withdraw/")),
        *(f"/programmes/offers/{place_offer.token}/{page}" for page in ("", "accept/", "decline/")),
    ]


def test_no_cache_may_keep_the_pages_behind_secret_links(client_for, tenant_alpha, secret_links):
    client = client_for(tenant_alpha)
    # when
    responses = {path: client.get(f"{path}?lang=en") for path in secret_links}
    # then: every page (and every redirect to one) says so
    assert {path: response.status_code for path, response in responses.items()} == {
        # (a booking that is not paid online has no payment page: it redirects to the booking's page)
        path: 302 if path.endswith(("accept/", "decline/", "leave/", "withdraw/", "payment/")) else 200
        for path in secret_links}
    cache_control = {path: set(response["Cache-Control"].replace(" ", "").split(","))
                     for path, response in responses.items()}
    assert {path: {"private", "no-store"} <= directives for path, directives in cache_control.items()} == dict.fromkeys(
        secret_links, True)


def test_every_secret_link_route_is_a_private_page():
    # given: the routes that take a token
    routes = [pattern for pattern in get_resolver("public_site.urls").url_patterns
              if isinstance(pattern.pattern.converters.get("token"), SecretTokenConverter)]
    # then: the ones above, all of them marked (a new route cannot forget it)
    # the above, /o/<token>/seen/ (POST only: the offer page's beacon), the calendar feeds (/feeds/<token>.ics,
    # /b/<token>/feed/), the payment return page (/b/<token>/payment/) and a paid booking's invoice PDF
    # (/b/<token>/invoice/<number>.pdf, its private caching checked in tests/billing/test_invoices.py), a priced
    # place offer's payment return page (/programmes/offers/<token>/payment/) and its invoice PDF
    # (/programmes/offers/<token>/invoice/<number>.pdf, checked in tests/billing/test_paid_place_offers_after.py)
    assert len(routes) == 25
    assert [route.name for route in routes if not getattr(route.callback, "is_secret_link_page", False)] == []
