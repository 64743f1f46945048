"""Every client surface reaches a session through one access helper (`session_get_for_clients`): a cancelled,
past or out-of-horizon session can be neither booked nor waited for, through the public API or the booking
site, and the refusal changes nothing."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from allot.errors import NotFoundError
from booking_core.models import Booking, Session, WaitlistEntry
from booking_core.selectors.sessions import session_get_for_clients
from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details, make_session

pytestmark = pytest.mark.django_db

UNREACHABLE = ["cancelled", "past", "beyond_the_horizon"]


def _make_unreachable(session: Session, how: str) -> None:
    if how == "cancelled":
        Session.objects.filter(pk=session.pk).update(is_cancelled=True)
    elif how == "past":
        starts_at = timezone.now() - dt.timedelta(days=1)
        Session.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
    else:  # the site's swimming has a 60-day horizon
        starts_at = timezone.now() + dt.timedelta(days=90)
        Session.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))


@pytest.fixture
def unreachable(request, tenant_alpha, in_tenant, site):
    """A roomy session (to book) and a full one (to wait for), both made unreachable in the same way."""
    with in_tenant(tenant_alpha):
        roomy = make_session(site.swim, capacity=10, starts_in_days=10)
        full = make_session(site.swim, capacity=1, starts_in_days=11)
        booking_create_group(tenant=tenant_alpha, session=full, seats=1, client=client_details(),
                             answers={"child_name": "Ada"}, actor=OPERATOR)
        _make_unreachable(roomy, request.param)
        _make_unreachable(full, request.param)
    connection.set_schema_to_public()
    return {"roomy": roomy, "full": full}


def _state(tenant, in_tenant):
    with in_tenant(tenant):
        return (Booking.objects.count(), WaitlistEntry.objects.count(),
                sorted(Session.objects.values_list("pk", "seats_booked", "seats_held")))


def _refused(response, status_codes=(400, 404)) -> None:
    assert response.status_code in status_codes, response.content
    if response.status_code == 400 and response["Content-Type"].startswith("application/json"):
        assert "session" in response.json()["fields"]


@pytest.mark.parametrize("unreachable", UNREACHABLE, indirect=True)
def test_the_access_helper_hides_the_session(tenant_alpha, in_tenant, site, unreachable):
    with in_tenant(tenant_alpha):
        for session in unreachable.values():
            with pytest.raises(NotFoundError):
                session_get_for_clients(service=site.swim, session_id=session.pk)


@pytest.mark.parametrize("unreachable", UNREACHABLE, indirect=True)
def test_the_public_api_neither_books_nor_waitlists_it(client_for, tenant_alpha, in_tenant, site, unreachable):
    # given
    before = _state(tenant_alpha, in_tenant)
    client = client_for(tenant_alpha)
    person = {"name": "Kiss Dóra", "email": "dora@example.hu"}
    # when
    booked = client.post("/api/v1/bookings/", json.dumps({
        "service": site.swim.pk, "session": unreachable["roomy"].pk, "seats": 1, "client": person,
        "answers": {"child_name": "Bence"}}), content_type="application/json")
    joined = client.post("/api/v1/waitlist/", json.dumps({
        "service": site.swim.pk, "session": unreachable["full"].pk, "seats": 1, "client": person,
        "answers": {"child_name": "Bence"}}), content_type="application/json")
    # then
    _refused(booked)
    _refused(joined)
    assert _state(tenant_alpha, in_tenant) == before


@pytest.mark.parametrize("unreachable", UNREACHABLE, indirect=True)
def test_the_booking_site_neither_books_nor_waitlists_it(client_for, tenant_alpha, in_tenant, site, unreachable):
    # given
    before = _state(tenant_alpha, in_tenant)
    client = client_for(tenant_alpha)
    # when
    booked = client.post(f"/s/swimming/book/?session={unreachable['roomy'].pk}&seats=1&lang=en", {
        "name": "Jonas Weber", "email": "jonas@example.de", "answer_child_name": "Mia",
        "idempotency_key": "web-group-key", "step": "confirm"})
    joined = client.post(f"/s/swimming/sessions/{unreachable['full'].pk}/waitlist/?lang=en", {
        "seats": "1", "name": "Jonas Weber", "email": "jonas@example.de", "phone": "", "answer_child_name": "Mia"})
    # then
    assert (booked.status_code, joined.status_code) == (404, 404)
    assert _state(tenant_alpha, in_tenant) == before
