"""The back office handles waitlists until it has pages of its own: queue, release / skip / withdraw, figures."""

from __future__ import annotations

import pytest

from booking_core.models import Offer, Service, WaitlistEntry
from booking_core.services.bookings import booking_cancel
from tests.factories import OPERATOR, make_service, make_session
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Workshop", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=2)
        bookings = fill(tenant_alpha, session, [1, 1])
        first, second = join(tenant_alpha, session), join(tenant_alpha, session)
        booking_cancel(tenant=tenant_alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=first)
    return {"session": session, "first": first, "second": second, "offer": offer}


def test_the_queue_page_shows_positions_and_the_open_offer(member_client, tenant_alpha, prepared):
    page = member_client(tenant_alpha, "alpha_owner").get(
        f"/admin/booking_core/waitlistentry/session/{prepared['session'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(prepared["first"].client.email) < html.index(prepared["second"].client.email)
    assert "offer prepared" in html and "no_seats_free" in html


def test_releasing_skipping_and_withdrawing_from_the_offer_list(member_client, tenant_alpha, in_tenant, prepared):
    client = member_client(tenant_alpha, "alpha_owner")
    offer = prepared["offer"]
    skipped = client.post("/admin/booking_core/offer/", {"action": "skip", "_selected_action": [offer.pk]})
    assert skipped.status_code == 302
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=offer.pk).status == "skipped"
        next_offer = Offer.objects.get(entry=prepared["second"])
        assert next_offer.status == "prepared"
    client.post("/admin/booking_core/offer/", {"action": "release", "_selected_action": [next_offer.pk]})
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=next_offer.pk).status == "sent"
    client.post("/admin/booking_core/offer/", {"action": "withdraw", "_selected_action": [next_offer.pk]})
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=next_offer.pk).status == "withdrawn"


def test_a_refused_action_is_reported_and_changes_nothing(member_client, tenant_alpha, in_tenant, prepared):
    client = member_client(tenant_alpha, "alpha_owner")
    offer = prepared["offer"]
    client.post("/admin/booking_core/offer/", {"action": "withdraw", "_selected_action": [offer.pk]})
    response = client.post("/admin/booking_core/offer/", {"action": "skip", "_selected_action": [offer.pk]},
                           follow=True)
    assert "Only prepared offers can be skipped" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=offer.pk).status == "withdrawn"


def test_changing_a_priority_in_the_back_office_needs_a_reason(member_client, tenant_alpha, in_tenant, prepared):
    client = member_client(tenant_alpha, "alpha_owner")
    url = f"/admin/booking_core/waitlistentry/{prepared['second'].pk}/change/"
    refused = client.post(url, {"priority": 4, "priority_reason": ""})
    assert refused.status_code == 200 and "Say why the priority changes" in refused.content.decode()
    assert client.post(url, {"priority": 4, "priority_reason": "Long-time member"}).status_code == 302
    with in_tenant(tenant_alpha):
        entry = WaitlistEntry.objects.get(pk=prepared["second"].pk)
    assert (entry.priority, entry.priority_reason, entry.priority_changed_by) == (
        4, "Long-time member", "alpha_owner@example.com")


def test_the_figures_page_shows_what_the_waitlist_refilled(member_client, tenant_alpha, prepared):
    page = member_client(tenant_alpha, "alpha_owner").get("/admin/booking_core/waitlistentry/figures/")
    assert page.status_code == 200
    assert "Workshop" in page.content.decode()


def test_another_tenants_members_cannot_reach_the_waitlist_pages(member_client, tenant_beta, tenant_alpha, in_tenant,
                                                                prepared):
    client = member_client(tenant_beta, "beta_owner")
    page = client.get(f"/admin/booking_core/waitlistentry/session/{prepared['session'].pk}/")
    assert page.status_code == 404
    client.post("/admin/booking_core/offer/", {"action": "release", "_selected_action": [prepared["offer"].pk]})
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(pk=prepared["offer"].pk).status == "prepared"


def test_a_priority_out_of_range_or_on_a_closed_entry_is_refused_in_the_back_office(member_client, tenant_alpha,
                                                                                   in_tenant, prepared):
    client = member_client(tenant_alpha, "alpha_owner")
    url = f"/admin/booking_core/waitlistentry/{prepared['second'].pk}/change/"
    too_high = client.post(url, {"priority": 5000, "priority_reason": "VIP"})
    assert too_high.status_code == 200 and "less than or equal to 1000" in too_high.content.decode()
    with in_tenant(tenant_alpha):
        WaitlistEntry.objects.filter(pk=prepared["second"].pk).update(status="removed")
    closed = client.post(url, {"priority": 5, "priority_reason": "VIP"}, follow=True)
    assert closed.status_code == 200 and "already closed" in closed.content.decode()
    with in_tenant(tenant_alpha):
        assert WaitlistEntry.objects.get(pk=prepared["second"].pk).priority == 0
