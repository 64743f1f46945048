"""The waitlist offer page behind the link in the offer email: what is offered until when, Accept and Decline
by POST only, closed and expired offers explained, activity recorded, and nothing for other tenants."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking_core.models import Booking, Offer, Session, WaitlistEntry
from tenants import resolution
from tenants.models import Tenant
from tests.conftest import real_queries
from tests.public_site.conftest import text_of
from tests.public_site.waitlist_scene import free_a_seat, join, offer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(tenant_alpha, site, in_tenant):
    """Two seats of the full session offered to a Hungarian client who waits for two (and gave an answer)."""
    with in_tenant(tenant_alpha):
        entry = join(site.full_session, email="dora@example.hu", language="hu", seats=2,
                     answers={"child_name": "Bogi"})
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(entry)
    connection.set_schema_to_public()
    assert offer.status == "sent"
    return offer


def state(tenant, in_tenant, offer: Offer) -> tuple:
    """What the offer changes: its status, its entry, the bookings and the session's seats."""
    with in_tenant(tenant):
        fresh = Offer.objects.select_related("entry", "session").get(pk=offer.pk)
        return (fresh.status, fresh.entry.status, fresh.booking_id, Booking.objects.count(),
                fresh.session.seats_booked, fresh.session.seats_held)


def activity(tenant, in_tenant, offer: Offer) -> tuple[int, int, int]:
    with in_tenant(tenant):
        entry = WaitlistEntry.objects.get(pk=offer.entry_id)
        return entry.emails_opened, entry.links_clicked, entry.page_views


def test_the_offer_page_says_what_is_offered_and_until_when_in_the_clients_language(client_for, tenant_alpha, site,
                                                                                    offered):
    # when: the link from the email, no language chosen
    response = client_for(tenant_alpha).get(f"/o/{offered.token}/?via=email")
    # then: Hungarian; the service in Hungarian, the time in the tenant's zone with the zone named
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert '<html lang="hu">' in html
    assert "Úszás" in text and "Pool B" in text and "(Europe/Budapest)" in text
    local_start = offered.starts_at.astimezone(tenant_alpha.zone)
    assert f"{local_start:%H:%M}" in text
    assert f'data-expires-at="{offered.expires_at.astimezone(tenant_alpha.zone).isoformat()}"' in html
    assert f'action="/o/{offered.token}/accept/?lang=hu"' in html
    assert f'action="/o/{offered.token}/decline/?lang=hu"' in html
    assert "30\u00a0€" in text  # two seats
    assert "Egy hely neked" in text
    assert "Elfogadom és foglalok" in text


def test_a_chosen_language_wins_over_the_entrys(client_for, tenant_alpha, offered):
    html = client_for(tenant_alpha).get(f"/o/{offered.token}/?lang=en").content.decode()
    assert '<html lang="en">' in html
    assert "Accept and book" in html and "Swimming" in html


def test_fetching_the_offer_links_changes_nothing_and_counts_no_activity(client_for, tenant_alpha, offered,
                                                                        in_tenant):
    client = client_for(tenant_alpha)
    before = state(tenant_alpha, in_tenant, offered)
    # when: a mail scanner fetches the link from the email, the page again, and the answer addresses
    client.get(f"/o/{offered.token}/?via=email")
    client.get(f"/o/{offered.token}/")
    accept_get = client.get(f"/o/{offered.token}/accept/")
    decline_get = client.get(f"/o/{offered.token}/decline/")
    seen_get = client.get(f"/o/{offered.token}/seen/")
    # then: nothing changed, and no click or view was counted
    assert accept_get.status_code == decline_get.status_code == 302
    assert accept_get["Location"] == f"/o/{offered.token}/?lang=hu"
    assert seen_get.status_code == 405
    assert state(tenant_alpha, in_tenant, offered) == before
    assert activity(tenant_alpha, in_tenant, offered) == (0, 0, 0)


def test_the_page_shown_in_a_browser_reports_one_click_and_one_view(client_for, tenant_alpha, offered, in_tenant):
    # given the offer page opened from the email: it carries the report address and its script (a static file)
    client = client_for(tenant_alpha, enforce_csrf_checks=True)
    html = client.get(f"/o/{offered.token}/?via=email").content.decode()
    assert f'data-offer-seen="/o/{offered.token}/seen/?lang=hu" data-via="email"' in html
    assert "/static/public_site/offer_seen.js" in html
    token = html.split('data-csrf="')[1].split('"')[0]
    # when the script posts its beacon
    response = client.post(f"/o/{offered.token}/seen/?lang=hu", {"via": "email", "csrfmiddlewaretoken": token})
    # then one click on the email's link and one page view are counted, and nothing else changes
    assert response.status_code == 204
    assert activity(tenant_alpha, in_tenant, offered) == (0, 1, 1)
    # when the page is opened again without the email's link: one more view, no more clicks
    assert client.post(f"/o/{offered.token}/seen/", {"via": "", "csrfmiddlewaretoken": token}).status_code == 204
    assert activity(tenant_alpha, in_tenant, offered) == (0, 1, 2)


def test_a_beacon_without_the_pages_csrf_token_counts_nothing(client_for, tenant_alpha, offered, in_tenant):
    response = client_for(tenant_alpha, enforce_csrf_checks=True).post(f"/o/{offered.token}/seen/",
                                                                       {"via": "email"})
    assert response.status_code == 403
    assert activity(tenant_alpha, in_tenant, offered) == (0, 0, 0)


def test_the_tracking_image_records_an_opened_email_and_is_never_cached(client_for, tenant_alpha, offered, in_tenant):
    # when
    response = client_for(tenant_alpha).get(f"/o/{offered.token}/open.gif")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a") and len(response.content) < 100
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"
    assert activity(tenant_alpha, in_tenant, offered) == (1, 0, 0)


def test_the_tracking_image_of_an_unknown_offer_is_still_a_gif(client_for, tenant_alpha, tenant_beta, offered,
                                                               in_tenant):
    for client, token in ((client_for(tenant_alpha), "no-such-offer"), (client_for(tenant_beta), offered.token)):
        response = client.get(f"/o/{token}/open.gif")
        assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert activity(tenant_alpha, in_tenant, offered) == (0, 0, 0)


def test_accepting_books_the_place_and_a_second_click_lands_on_the_same_booking(client_for, tenant_alpha, site,
                                                                                offered, in_tenant):
    client = client_for(tenant_alpha)
    # when
    first = client.post(f"/o/{offered.token}/accept/?lang=hu")
    second = client.post(f"/o/{offered.token}/accept/?lang=hu")
    # then
    with in_tenant(tenant_alpha):
        booking = Booking.objects.select_related("client").get(waitlist_offer__pk=offered.pk)
        seats_booked = Session.objects.get(pk=site.full_session.pk).seats_booked
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/b/{booking.manage_token}/?done=accepted&lang=hu"
    assert (booking.seats, booking.status, booking.language, booking.source, booking.client.email) == (
        2, "confirmed", "hu", "waitlist", "dora@example.hu")
    assert [(answer["key"], answer["value"]) for answer in booking.answers] == [("child_name", "Bogi")]
    assert seats_booked == 2
    manage = client.get(first["Location"])
    assert "The place is yours: you are booked." in text_of(client.get(
        f"/b/{booking.manage_token}/?done=accepted&lang=en"))
    assert 'data-status="confirmed"' in manage.content.decode()
    # and the offer page now leads to the booking
    page = client.get(f"/o/{offered.token}/?lang=en")
    assert "You accepted this offer: you are booked." in text_of(page)
    assert f'href="/b/{booking.manage_token}/?lang=en"' in page.content.decode()
    assert "Accept and book" not in text_of(page)


def test_declining_passes_the_place_on(client_for, tenant_alpha, site, offered, in_tenant):
    # given: someone else waits too
    with in_tenant(tenant_alpha):
        next_in_line = join(site.full_session, seats=2)
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when
    response = client.post(f"/o/{offered.token}/decline/?lang=en")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/o/{offered.token}/?done=declined&lang=en"
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=offered.pk).status == "declined"
        assert Offer.objects.get(entry=next_in_line).status == "sent"
    page = client.get(response["Location"])
    assert "You declined the offer. Thank you for letting us know" in text_of(page)
    assert "Accept and book" not in text_of(page)
    assert activity(tenant_alpha, in_tenant, offered) == (0, 0, 0)  # our own redirect is not a visit


def test_accepting_a_declined_offer_explains_and_changes_nothing(client_for, tenant_alpha, offered, in_tenant):
    client = client_for(tenant_alpha)
    Tenant.objects.filter(pk=tenant_alpha.pk).update(contact_email="desk@alpha.example")
    resolution.forget_local()
    client.post(f"/o/{offered.token}/decline/")
    before = state(tenant_alpha, in_tenant, offered)
    # when
    response = client.post(f"/o/{offered.token}/accept/?lang=en")
    # then
    assert response.status_code == 409
    text = text_of(response)
    assert "You declined this offer." in text
    assert "Please contact Alpha Studio: desk@alpha.example" in text
    assert state(tenant_alpha, in_tenant, offered) == before


def test_an_expired_offer_explains_and_passes_the_place_on(client_for, tenant_alpha, offered, in_tenant):
    # given: the answer comes after the deadline (the expiry job has not run yet)
    with in_tenant(tenant_alpha):
        Offer.objects.filter(pk=offered.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when: the page, then a late accept
    page = client.get(f"/o/{offered.token}/?lang=en")
    response = client.post(f"/o/{offered.token}/accept/?lang=en")
    # then
    assert "This offer has expired" in text_of(page) and "Accept and book" not in text_of(page)
    assert response.status_code == 409
    assert "This offer has expired and the place has been passed on." in text_of(response)
    assert "Please contact Alpha Studio" in text_of(response)
    status, entry_status, booking_id, *_ = state(tenant_alpha, in_tenant, offered)
    assert (status, entry_status, booking_id) == ("expired", "expired", None)


def test_a_prepared_offer_does_not_exist_for_the_client(client_for, tenant_alpha, site, in_tenant):
    # given: offers wait for staff to release them
    with in_tenant(tenant_alpha):
        entry = join(site.full_session)
        free_a_seat(tenant_alpha, site.full_session, auto_send=False)
        offer = offer_of(entry)
    connection.set_schema_to_public()
    assert offer.status == "prepared"
    client = client_for(tenant_alpha)
    before = state(tenant_alpha, in_tenant, offer)
    # when / then
    assert client.get(f"/o/{offer.token}/?via=email").status_code == 404
    assert client.post(f"/o/{offer.token}/seen/", {"via": "email"}).status_code == 404
    assert client.post(f"/o/{offer.token}/accept/").status_code == 404
    assert client.post(f"/o/{offer.token}/decline/").status_code == 404
    assert state(tenant_alpha, in_tenant, offer) == before
    assert activity(tenant_alpha, in_tenant, offer) == (0, 0, 0)


def test_another_tenants_offer_links_do_not_exist_here(client_for, tenant_alpha, tenant_beta, offered, in_tenant):
    beta = client_for(tenant_beta)
    before = state(tenant_alpha, in_tenant, offered)
    assert beta.get(f"/o/{offered.token}/?via=email").status_code == 404
    assert beta.post(f"/o/{offered.token}/seen/", {"via": "email"}).status_code == 404
    assert beta.post(f"/o/{offered.token}/accept/").status_code == 404
    assert beta.post(f"/o/{offered.token}/decline/").status_code == 404
    assert state(tenant_alpha, in_tenant, offered) == before
    assert activity(tenant_alpha, in_tenant, offered) == (0, 0, 0)


def test_the_offer_page_takes_a_fixed_number_of_queries(client_for, tenant_alpha, offered):
    client = client_for(tenant_alpha)
    client.get(f"/o/{offered.token}/")
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/o/{offered.token}/?via=email")
    # the offer with everything it shows (one query), two activity counters
    assert len(real_queries(captured)) <= 3, real_queries(captured)
