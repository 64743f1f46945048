"""The demo tenants get one programme per strategy with the same groups and sign-ups, side by side."""

import pytest

from allot.demo import seed_demo
from booking_core.programmes.models import Programme, SignUp
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _fills(slug: str) -> list[int]:
    return list(Programme.objects.get(slug=slug).groups.order_by("position").values_list("places_taken", flat=True))


def test_demo_programmes_compare_the_two_strategies_and_seeding_twice_changes_nothing(in_tenant):
    # when
    seed_demo(port=8000)
    demo = Tenant.objects.get(slug="demo")
    with in_tenant(demo):
        first = (Programme.objects.count(), SignUp.objects.count())
    seed_demo(port=8000)

    # then: the same 13 children, filled one group after another, or evenly
    with in_tenant(demo):
        assert (Programme.objects.count(), SignUp.objects.count()) == first == (3, 39)
        assert _fills("swimming-fast-fill") == [6, 6, 1]
        assert _fills("swimming-balanced") == [5, 4, 4]
        lottery = Programme.objects.get(slug="tennis-camp-lottery")
        assert set(lottery.signups.values_list("status", flat=True)) == {"pending"}
        assert lottery.lottery_seed is not None
        assert SignUp.objects.filter(household_key__gt="").count() == 6
