"""The tenant admin (the back office for now): every model is there, rules still apply."""

import pytest

from booking_core.models import Booking, Service
from booking_core.services.bookings import booking_create_group
from tenants.admin_site import tenant_admin_site
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        session = make_session(capacity=3)
        booking = booking_create_group(tenant=tenant_alpha, session=session, seats=2, client=client_details(),
                                       actor=OPERATOR)
        make_staff(make_service(Service.Kind.INDIVIDUAL))
    return {"session": session, "booking": booking}


def test_every_booking_model_is_registered():
    from django.apps import apps

    registered = {model for model in tenant_admin_site._registry}
    assert set(apps.get_app_config("booking_core").get_models()) <= registered


def test_an_owner_sees_every_list_and_add_page(member_client, tenant_alpha, data):
    client = member_client(tenant_alpha, "alpha_owner")
    read_only = {"booking", "auditentry", "slotclaim", "outboxmessage", "jobrun", "waitlistentry", "offer",
                 # edited on their staff member's or service's page, where the services' rules apply
                 "workinghours", "availabilityoverride", "timeoff", "formfield",
                 # written in the back office (/office/settings/notifications/)
                 "notificationtemplate",
                 # calendar sync's records: connected in the back office, written by the sync
                 "calendarconnection", "calendareventlink", "calendarbusyblock",
                 # calendar feeds and webhooks: managed in the back office
                 "calendarfeed", "webhookendpoint", "webhookdelivery"}
    for model in tenant_admin_site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        expected = 403 if model._meta.model_name in read_only else 200
        assert client.get(url + "add/").status_code == expected, url


def test_staff_members_are_refused_the_organisations_admin(member_client, tenant_alpha, data):
    # given: the admin is for owners and admins; a staff member's day is in the back office (their own calendar)
    client = member_client(tenant_alpha, "alpha_staff")
    # when / then: every admin page sends them to the admin's sign-in, which refuses them with 403
    for url in ("/admin/", "/admin/booking_core/booking/", "/admin/booking_core/service/add/",
                "/admin/tenants/apikey/", f"/admin/booking_core/booking/{data['booking'].pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    refusal = client.get("/admin/login/?next=/admin/")
    assert refusal.status_code == 403
    assert "/office/" in refusal.content.decode()


def test_lowering_capacity_below_taken_in_the_admin_is_refused_without_the_decision(member_client, tenant_alpha,
                                                                                   in_tenant, data):
    client = member_client(tenant_alpha, "alpha_owner")
    session = data["session"]
    url = f"/admin/booking_core/session/{session.pk}/change/"
    response = client.post(url, {"capacity": 1, "location": ""}, follow=True)
    assert b"2 seats are already taken" in response.content
    with in_tenant(tenant_alpha):
        session.refresh_from_db()
        assert session.capacity == 3


def test_cancelling_from_the_admin_goes_through_the_booking_rules(member_client, tenant_alpha, in_tenant, data):
    client = member_client(tenant_alpha, "alpha_owner")
    response = client.post("/admin/booking_core/booking/", {
        "action": "cancel_by_operator", "_selected_action": [data["booking"].pk]}, follow=True)
    assert response.status_code == 200
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(pk=data["booking"].pk)
        assert (booking.status, booking.cancelled_by) == ("cancelled", "operator")
        assert booking.session.seats_booked == 0


def test_owners_create_api_keys_and_see_the_secret_once(member_client, tenant_alpha):
    client = member_client(tenant_alpha, "alpha_owner")
    response = client.post("/admin/tenants/apikey/add/", {"name": "Website widget", "role": "staff"}, follow=True)
    assert b"Copy it now, it will not be shown again: allot_" in response.content
    listing = client.get("/admin/tenants/apikey/")
    assert b"Website widget" in listing.content
