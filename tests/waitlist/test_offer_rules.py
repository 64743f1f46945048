"""One rule, one place: "an offer is still open" is `awaits_answer` (OfferDeadlineRules, shared by waitlist offers
and programme place offers), and what a client sees of their waitlist entry is decided by the selector
`waitlist_entry_get_by_token`; the API serializer and the booking site only read it."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import Offer, Service, WaitlistEntry
from booking_core.programmes.models import PlaceOffer
from booking_core.services.bookings import booking_cancel
from booking_core.waitlist.api.serializers import EntrySerializer
from booking_core.waitlist.selectors.entries import waitlist_entry_get_by_token
from booking_core.waitlist.services.offers import offer_release, offer_withdraw
from tests.factories import OPERATOR, make_service, make_session
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize("kind", [Offer, PlaceOffer])
@pytest.mark.parametrize("status, expires_at, awaits, expired", [
    ("sent", NOW + HOUR, True, False),
    ("sent", NOW, False, True),  # the deadline itself is too late
    ("sent", NOW - HOUR, False, True),  # the expiry job has not run yet
    ("expired", NOW - HOUR, False, True),
    ("prepared", None, False, False),
    ("accepted", NOW + HOUR, False, False),
    ("declined", NOW + HOUR, False, False),
    ("withdrawn", None, False, False),
])
def test_an_offer_is_open_only_while_sent_and_before_its_deadline(kind, status, expires_at, awaits, expired):
    # given
    offer = kind(status=status, expires_at=expires_at)
    # then
    assert (offer.awaits_answer(NOW), offer.has_expired(NOW)) == (awaits, expired)


@pytest.fixture
def waiting(tenant_alpha, in_tenant):
    """A full session whose freed seats were offered (kept prepared) to the first of two waiting clients."""
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=2)
        bookings = fill(tenant_alpha, session, [1, 1])
        first, second = join(tenant_alpha, session), join(tenant_alpha, session)
        booking_cancel(tenant=tenant_alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=first)
    connection.set_schema_to_public()
    return {"first": first, "second": second, "offer": offer}


def test_the_filter_and_the_method_agree(waiting, alpha):
    # given: the offer sent, then one hour to its deadline
    offer = offer_release(offer=Offer.objects.get(pk=waiting["offer"].pk), actor=Actor.system("test"))
    # then
    for moment in (offer.expires_at - HOUR, offer.expires_at, offer.expires_at + HOUR):
        in_filter = Offer.objects.filter(Offer.awaiting_answer(moment), pk=offer.pk).exists()
        assert in_filter == offer.awaits_answer(moment)


def test_the_entry_selector_sets_what_the_client_sees_and_the_serializer_only_reads_it(
        waiting, alpha, django_assert_num_queries):
    # given
    offer_release(offer=Offer.objects.get(pk=waiting["offer"].pk), actor=Actor.system("test"))
    entries = [waitlist_entry_get_by_token(token=waiting[name].token) for name in ("first", "second")]
    # when / then: serializing does not touch the database
    with django_assert_num_queries(0):
        first, second = (EntrySerializer(entry).data for entry in entries)
    assert (first["status"], first["open_offer"]["token"]) == ("offered", waiting["offer"].token)
    # the second waits behind the first, who was offered the place
    assert (second["status"], second["position"], second["open_offer"]) == ("waiting", 2, None)


def test_the_selector_hides_a_sent_offer_once_its_deadline_passed(waiting, alpha):
    # given
    offer = offer_release(offer=Offer.objects.get(pk=waiting["offer"].pk), actor=Actor.system("test"))
    # when
    before = waitlist_entry_get_by_token(token=waiting["first"].token, now=offer.expires_at - HOUR)
    after = waitlist_entry_get_by_token(token=waiting["first"].token, now=offer.expires_at)
    # then
    assert before.offer_awaiting_answer == offer
    assert after.offer_awaiting_answer is None


def _past_its_deadline(tenant, in_tenant, offer: Offer) -> None:
    with in_tenant(tenant):
        offer_release(offer=Offer.objects.get(pk=offer.pk), actor=Actor.system("test"))
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - HOUR)  # the job has not run yet
    connection.set_schema_to_public()


def test_the_api_does_not_offer_a_place_past_its_deadline(client_for, tenant_alpha, in_tenant, waiting):
    # given
    _past_its_deadline(tenant_alpha, in_tenant, waiting["offer"])
    client = client_for(tenant_alpha)
    # when
    entry = client.get(f"/api/v1/waitlist/{waiting['first'].token}/").json()
    accepted = client.post(f"/api/v1/offers/{waiting['offer'].token}/accept/")
    # then
    assert (entry["status"], entry["open_offer"]) == ("offered", None)
    assert (accepted.status_code, accepted.json()["code"]) == (409, "offer_expired")


def test_the_booking_site_does_not_offer_a_place_past_its_deadline(client_for, tenant_alpha, in_tenant, waiting):
    # given
    _past_its_deadline(tenant_alpha, in_tenant, waiting["offer"])
    client = client_for(tenant_alpha)
    # when
    status_page = client.get(f"/w/{waiting['first'].token}/?lang=en").content.decode()
    offer_page = client.get(f"/o/{waiting['offer'].token}/?lang=en").content.decode()
    # then
    assert f"/o/{waiting['offer'].token}/" not in status_page
    assert 'action="/o/' not in offer_page


def test_an_offer_withdrawn_before_it_was_sent_does_not_exist_for_the_client(client_for, tenant_alpha, in_tenant,
                                                                            waiting):
    # given
    with in_tenant(tenant_alpha):
        offer_withdraw(offer=Offer.objects.get(pk=waiting["offer"].pk), actor=OPERATOR)
        assert WaitlistEntry.objects.get(pk=waiting["first"].pk).status == WaitlistEntry.Status.WAITING
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    token = waiting["offer"].token
    # then: on both surfaces
    assert client.get(f"/api/v1/offers/{token}/").status_code == 404
    assert client.get(f"/o/{token}/?lang=en").status_code == 404
