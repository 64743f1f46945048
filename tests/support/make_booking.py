"""`python -m tests.support.make_booking <tenant-slug> <email>`: book a seat in a new session and commit,
in a process of its own (used to show that a booking survives Redis being down at commit time)."""

import sys

import django

django.setup()

from django_tenants.utils import tenant_context  # noqa: E402

from booking_core.acting import Actor  # noqa: E402
from booking_core.services.bookings import ClientDetails, booking_create_group  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.factories import make_session  # noqa: E402

slug, address = sys.argv[1], sys.argv[2]
tenant = Tenant.objects.get(slug=slug)
with tenant_context(tenant):
    booking = booking_create_group(tenant=tenant, session=make_session(capacity=5), seats=1,
                                   client=ClientDetails(name="Offline Olga", email=address),
                                   actor=Actor.client(address))
print(booking.pk)
