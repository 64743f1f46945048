"""One rule, one place: "a batch programme has no places until it is allocated" is
`Programme.awaits_batch_allocation` (and `ProgrammeGroup.availability_for_clients` for what a group shows);
the sign-up service, the offer service, the public API and the booking site all read it."""

import pytest
from django.db import connection
from django.utils import timezone

from booking_core.programmes.models import Programme, ProgrammeGroup, SignUp
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db

BATCH = Programme.AllocationMode.BATCH
IMMEDIATE = Programme.AllocationMode.IMMEDIATE


@pytest.mark.parametrize("mode, allocated, awaits", [
    (BATCH, False, True),
    (BATCH, True, False),
    (IMMEDIATE, False, False),
])
def test_only_a_batch_programme_not_yet_allocated_awaits_its_allocation(mode, allocated, awaits):
    # given
    programme = Programme(allocation_mode=mode, allocated_at=timezone.now() if allocated else None)
    # then
    assert programme.awaits_batch_allocation is awaits


@pytest.mark.parametrize("mode, allocated, taken, shown", [
    (BATCH, False, 0, "allocated_at_close"),
    (BATCH, False, 2, "allocated_at_close"),
    (BATCH, True, 1, "open"),
    (BATCH, True, 2, "full"),
    (IMMEDIATE, False, 1, "open"),
    (IMMEDIATE, False, 2, "full"),
])
def test_a_group_shows_its_places_only_once_there_are_places(mode, allocated, taken, shown):
    # given
    programme = Programme(allocation_mode=mode, allocated_at=timezone.now() if allocated else None)
    group = ProgrammeGroup(programme=programme, capacity=2, places_taken=taken)
    # then
    assert group.availability_for_clients == shown


def test_signing_up_for_a_batch_programme_waits_for_the_allocation(alpha):
    # given
    programme = make_programme(allocation_mode=BATCH)
    group = make_group(programme, 2)
    # when
    signup = one(alpha, programme, [group.pk])
    # then
    assert (signup.status, signup.group_id) == (SignUp.Status.PENDING, None)


@pytest.fixture
def batch(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="camp", allocation_mode=BATCH)
        make_group(programme, 6)
    connection.set_schema_to_public()
    return programme


def _allocated(tenant, in_tenant, programme: Programme) -> None:
    with in_tenant(tenant):
        Programme.objects.filter(pk=programme.pk).update(allocated_at=timezone.now())
    connection.set_schema_to_public()


def test_the_public_api_shows_no_places_until_the_allocation(client_for, tenant_alpha, in_tenant, batch):
    client = client_for(tenant_alpha)
    # when
    before = client.get(f"/api/v1/programmes/{batch.pk}/").json()["groups"]
    _allocated(tenant_alpha, in_tenant, batch)
    after = client.get(f"/api/v1/programmes/{batch.pk}/").json()["groups"]
    # then
    assert [(group["state"], group["places_free"]) for group in before] == [("allocated_at_close", None)]
    assert [(group["state"], group["places_free"]) for group in after] == [("open", 6)]


def test_the_booking_site_shows_sizes_until_the_allocation_then_places_left(client_for, tenant_alpha, in_tenant,
                                                                            batch):
    client = client_for(tenant_alpha)
    # when
    before = client.get("/p/camp/?lang=en").content.decode()
    _allocated(tenant_alpha, in_tenant, batch)
    after = client.get("/p/camp/?lang=en", HTTP_CACHE_CONTROL="no-cache").content.decode()
    # then
    assert 'data-state="allocated_at_close"' in before and "6 places, given out when sign-up closes" in before
    assert 'data-state="open"' in after and "6 places left" in after
