"""`make up` seeds the demo tenants with bookable data, and seeding twice changes nothing."""

import pytest
import time_machine

from allot.demo import seed_demo
from booking_core.models import Booking, Offer, Service, Session, WaitlistEntry
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _counts(in_tenant):
    counts = {}
    for tenant in Tenant.objects.filter(slug__in=["demo", "acme"]):
        with in_tenant(tenant):
            counts[tenant.slug] = (Service.objects.count(), Session.objects.count(), Booking.objects.count(),
                                   WaitlistEntry.objects.count(), Offer.objects.count())
    return counts


# The seed's shape must not depend on when it runs: a Friday evening (the workshop's Saturday came first and
# the test failed at 17:10 UTC), a Sunday five minutes before midnight in Budapest (22:55 UTC).
@pytest.mark.parametrize("instant", ["2026-12-04T17:10:00+00:00", "2026-12-06T23:55:00+01:00"])
def test_demo_seed_is_complete_and_idempotent(in_tenant, client_for, instant):
    # when
    with time_machine.travel(instant, tick=True):
        summary = seed_demo(port=8000)
        first = _counts(in_tenant)
        seed_demo(port=8000)
    # then
    assert _counts(in_tenant) == first
    assert first["demo"][0] == 3 and first["demo"][1] >= 8 and first["demo"][2] == 12
    demo = Tenant.objects.get(slug="demo")
    with in_tenant(demo):
        almost_full = Session.objects.order_by("starts_at").first()
        assert (almost_full.capacity, almost_full.seats_booked) == (12, 11)
        assert Service.objects.get(slug="consultation").staff_members.count() == 2
        # the workshop shows the prepared-offer flow: offers wait for release, the family keeps its place
        workshop = Session.objects.filter(service__slug="workshop").order_by("starts_at").first()
        assert (workshop.capacity, workshop.seats_booked, workshop.seats_held) == (6, 4, 2)
        assert sorted(Offer.objects.values_list("status", flat=True)) == ["prepared", "prepared"]
        assert WaitlistEntry.objects.filter(status="waiting").count() == 2
    assert "http://demo.localhost:8000/" in summary
    assert client_for(demo).get("/api/v1/services/").json()["count"] == 3
