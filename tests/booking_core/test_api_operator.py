"""Operator API: members and API keys of this tenant only; writes through services; 403/404 change nothing."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_core.models import AuditEntry, Booking, FormField, Service, Session, StaffMember, WorkingHours
from booking_core.services.bookings import booking_create_group
from tenants.api_keys import api_key_create, api_key_revoke
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_data(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        swim = make_service(Service.Kind.GROUP, name_en="Swimming")
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        anna = make_staff(massage, name="Anna", weekdays=[0])
        session = make_session(swim, capacity=6)
        booking = booking_create_group(tenant=tenant_alpha, session=session, seats=2, client=client_details(),
                                       actor=OPERATOR)
        question = FormField.objects.create(service=swim, key="age", field_type="number", label_en="Age")
        hours = anna.working_hours.first()
    connection.set_schema_to_public()
    return {"swim": swim, "massage": massage, "anna": anna, "session": session, "booking": booking,
            "question": question, "hours": hours}


def send(client, method, path, data=None, **extra):
    if method == "get":
        return client.get(path, **extra)
    return client.generic(method.upper(), path, json.dumps(data or {}), content_type="application/json", **extra)


# Every operator endpoint, with a harmless valid body for writes.
def endpoints(d):
    swim, anna, session, booking = d["swim"].pk, d["anna"].pk, d["session"].pk, d["booking"].pk
    return [
        ("get", "/api/v1/operator/services/", None),
        ("post", "/api/v1/operator/services/", {"kind": "group", "slug": "yoga", "name_en": "Yoga",
                                                "duration_minutes": 60}),
        ("patch", f"/api/v1/operator/services/{swim}/", {"name_en": "Swim!"}),
        ("delete", f"/api/v1/operator/services/{d['massage'].pk}/", None),
        ("get", f"/api/v1/operator/services/{swim}/form-fields/", None),
        ("post", f"/api/v1/operator/services/{swim}/form-fields/", {"key": "name", "field_type": "text",
                                                                   "label_en": "Name"}),
        ("patch", f"/api/v1/operator/services/{swim}/form-fields/{d['question'].pk}/", {"required": True}),
        ("get", "/api/v1/operator/staff/", None),
        ("post", "/api/v1/operator/staff/", {"name": "Béla"}),
        ("patch", f"/api/v1/operator/staff/{anna}/", {"name": "Anna K."}),
        ("get", f"/api/v1/operator/staff/{anna}/working-hours/", None),
        ("post", f"/api/v1/operator/staff/{anna}/working-hours/", {"weekday": 2, "start_time": "09:00",
                                                                  "end_time": "12:00"}),
        ("delete", f"/api/v1/operator/staff/{anna}/working-hours/{d['hours'].pk}/", None),
        ("post", f"/api/v1/operator/staff/{anna}/overrides/", {"date": "2026-12-24"}),
        ("post", f"/api/v1/operator/staff/{anna}/time-off/", {"starts_at": "2026-12-24T00:00:00Z",
                                                             "ends_at": "2026-12-27T00:00:00Z"}),
        ("get", "/api/v1/operator/sessions/", None),
        ("post", "/api/v1/operator/sessions/", {"service": swim, "starts_at": "2026-12-20T10:00:00Z",
                                                "capacity": 5}),
        ("post", f"/api/v1/operator/sessions/{session}/capacity/", {"capacity": 8}),
        ("post", f"/api/v1/operator/sessions/{session}/cancel/", {"reason": "Closed"}),
        ("get", "/api/v1/operator/bookings/", None),
        ("get", f"/api/v1/operator/bookings/{booking}/", None),
        ("post", f"/api/v1/operator/bookings/{booking}/cancel/", {"reason": "Ill"}),
    ]


def _state(tenant, in_tenant):
    with in_tenant(tenant):
        return (Service.objects.count(), StaffMember.objects.count(), Session.objects.count(),
                WorkingHours.objects.count(), FormField.objects.count(), AuditEntry.objects.count(),
                sorted(Booking.objects.values_list("status", flat=True)),
                sorted(Service.objects.values_list("name_en", flat=True)),
                sorted(Session.objects.values_list("capacity", "is_cancelled")))


def test_every_operator_endpoint_refuses_anonymous_callers_and_changes_nothing(client_for, tenant_alpha, in_tenant,
                                                                              alpha_data):
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        response = send(client_for(tenant_alpha), method, path, body)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response["WWW-Authenticate"] == "Api-Key"
    assert _state(tenant_alpha, in_tenant) == before


def test_logged_in_users_without_a_membership_get_403(member_client, tenant_alpha, in_tenant, alpha_data, user):
    # given: a user who is logged in on alpha but whose membership was removed afterwards
    client = member_client(tenant_alpha, "alpha_staff")
    from tenants.models import Membership

    Membership.objects.filter(user=user("alpha_staff"), tenant=tenant_alpha).delete()
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        assert send(client, method, path, body).status_code == 403, (method, path)
    assert _state(tenant_alpha, in_tenant) == before


def test_members_of_another_tenant_are_refused_everywhere(client_for, member_client, tenant_alpha, tenant_beta,
                                                           in_tenant, alpha_data):
    # given: beta's owner is logged in on beta, and carries the cookie to alpha's host
    client = member_client(tenant_beta, "beta_owner")
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        response = send(client, method, path, body, HTTP_HOST="alpha.localhost")
        assert response.status_code == 401, (method, path)
    assert _state(tenant_alpha, in_tenant) == before


def test_another_tenants_api_key_is_refused(api_key_client, tenant_alpha, tenant_beta, in_tenant, alpha_data):
    client = api_key_client(tenant_alpha, role="admin", key_tenant=tenant_beta)
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        assert send(client, method, path, body).status_code == 401, (method, path)
    assert _state(tenant_alpha, in_tenant) == before


def test_another_tenants_ids_are_404_and_nothing_changes(member_client, tenant_alpha, tenant_beta, in_tenant,
                                                         alpha_data):
    # given: beta's owner, fully allowed on beta, uses alpha's ids there
    client = member_client(tenant_beta, "beta_owner")
    before_alpha = _state(tenant_alpha, in_tenant)
    before_beta = _state(tenant_beta, in_tenant)
    for method, path, body in endpoints(alpha_data):
        if not re.search(r"/operator/.*/\d+/", path):
            continue
        response = send(client, method, path, body)
        assert response.status_code == 404, (method, path, response.status_code)
    assert _state(tenant_alpha, in_tenant) == before_alpha
    assert _state(tenant_beta, in_tenant) == before_beta


def test_staff_members_reach_only_their_own_calendar_and_bookings(member_client, tenant_alpha, in_tenant,
                                                                 alpha_data):
    # given: a staff member whose account has no calendar linked (and group bookings have no staff member)
    client = member_client(tenant_alpha, "alpha_staff")
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        # when
        response = send(client, method, path, body)
        # then: as in the back office: their bookings and calendar only (others' are 404s), nothing else (403)
        if path in ("/api/v1/operator/bookings/", "/api/v1/operator/staff/") and method == "get":
            assert response.status_code == 200 and response.json()["count"] == 0, path
        elif re.search(r"/bookings/\d+/", path) or (method == "get" and re.search(r"/staff/\d+/", path)):
            assert response.status_code == 404, (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
    assert _state(tenant_alpha, in_tenant) == before


def test_staff_keys_read_everything_and_handle_bookings_but_not_change_the_catalogue(api_key_client, tenant_alpha,
                                                                                    in_tenant, alpha_data):
    # API keys are programs, not people: a staff key is not tied to one calendar
    client = api_key_client(tenant_alpha, role="staff")
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(alpha_data):
        response = send(client, method, path, body)
        if method == "get":
            assert response.status_code == 200, path
        elif "/bookings/" not in path:
            assert response.status_code == 403, (method, path)
    after = _state(tenant_alpha, in_tenant)
    assert after[:5] == before[:5] and after[7:] == before[7:], "catalogue and sessions unchanged"
    assert after[6] == ["cancelled"], "the booking was cancelled by the staff key"


def test_owners_use_every_endpoint(member_client, tenant_alpha, in_tenant, alpha_data):
    client = member_client(tenant_alpha, "alpha_owner")
    for method, path, body in endpoints(alpha_data):
        response = send(client, method, path, body)
        assert response.status_code in (200, 201, 204), (method, path, response.status_code, response.content)
    with in_tenant(tenant_alpha):
        actions = set(AuditEntry.objects.filter(actor_label="alpha_owner@example.com").values_list("action", flat=True))
    assert actions == {
        "service.created", "service.updated", "service.deleted", "form_field.created", "form_field.updated",
        "staff.created", "staff.updated", "working_hours.created", "working_hours.deleted", "override.created",
        "time_off.created", "session.created", "session.capacity_changed", "session.cancelled", "booking.cancelled",
    }


def test_api_keys_work_until_revoked(client_for, tenant_alpha, alpha_data):
    key, secret = api_key_create(tenant=tenant_alpha, name="zapier", role="staff")
    client = client_for(tenant_alpha, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/operator/bookings/").status_code == 200
    assert send(client, "post", "/api/v1/operator/staff/", {"name": "X"}).status_code == 403, "staff-role key"
    api_key_revoke(key=key)
    assert client.get("/api/v1/operator/bookings/").status_code == 401
    garbled = client_for(tenant_alpha, HTTP_AUTHORIZATION="Api-Key allot_nope")
    assert garbled.get("/api/v1/operator/bookings/").status_code == 401


def test_invalid_input_is_400_with_field_messages(api_key_client, tenant_alpha, in_tenant, alpha_data):
    client = api_key_client(tenant_alpha)
    before = _state(tenant_alpha, in_tenant)
    cases = [
        ("post", "/api/v1/operator/services/", {"kind": "group", "slug": "x y", "duration_minutes": 7}),
        ("post", "/api/v1/operator/services/", {"kind": "group", "slug": alpha_data["swim"].slug, "name_en": "Dup",
                                                "duration_minutes": 60}),
        ("post", f"/api/v1/operator/services/{alpha_data['swim'].pk}/form-fields/",
         {"key": "level", "field_type": "single_choice", "label_en": "Level", "choices": []}),
        ("post", f"/api/v1/operator/staff/{alpha_data['anna'].pk}/working-hours/",
         {"weekday": 9, "start_time": "12:00", "end_time": "09:00"}),
        ("post", f"/api/v1/operator/staff/{alpha_data['anna'].pk}/working-hours/",
         {"weekday": 1, "start_time": "12:00", "end_time": "09:00"}),
        ("post", f"/api/v1/operator/staff/{alpha_data['anna'].pk}/time-off/",
         {"starts_at": "2026-12-24T00:00:00Z", "ends_at": "2026-12-23T00:00:00Z"}),
        ("post", f"/api/v1/operator/sessions/{alpha_data['session'].pk}/capacity/", {"capacity": 1}),
        ("post", f"/api/v1/operator/bookings/{alpha_data['booking'].pk}/cancel/", {"reason": ""}),
        ("post", "/api/v1/operator/staff/", {"name": "Z", "services": [alpha_data["swim"].pk]}),
    ]
    for method, path, body in cases:
        response = send(client, method, path, body)
        assert response.status_code == 400, (path, body, response.status_code, response.content)
        assert response.json()["fields"], (path, body)
    assert _state(tenant_alpha, in_tenant) == before


def test_weekly_sessions_and_capacity_decisions(api_key_client, tenant_alpha, in_tenant, alpha_data):
    client = api_key_client(tenant_alpha)
    created = send(client, "post", "/api/v1/operator/sessions/weekly/", {
        "service": alpha_data["swim"].pk, "first_date": "2026-12-01", "last_date": "2026-12-31", "weekdays": [0, 3],
        "start_time": "17:00", "capacity": 10, "location": "Pool B"})
    assert created.status_code == 201
    assert len(created.json()) == 9  # Mondays and Thursdays in December 2026
    session = alpha_data["session"].pk
    refused = send(client, "post", f"/api/v1/operator/sessions/{session}/capacity/", {"capacity": 1})
    assert refused.status_code == 400 and refused.json()["code"] == "capacity_below_taken"
    kept = send(client, "post", f"/api/v1/operator/sessions/{session}/capacity/",
                {"capacity": 1, "keep_existing_bookings": True})
    assert kept.status_code == 200
    assert (kept.json()["capacity"], kept.json()["accepted_overbooking"], kept.json()["seats_free"]) == (1, 1, 0)


def test_booking_lists_filter_paginate_and_use_a_fixed_number_of_queries(api_key_client, tenant_alpha, in_tenant,
                                                                        alpha_data):
    client = api_key_client(tenant_alpha)
    client.get("/api/v1/operator/bookings/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/operator/bookings/").json()["count"] == 1
    with in_tenant(tenant_alpha):
        session = make_session(alpha_data["swim"], capacity=100)
        for _ in range(60):
            booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                                 actor=OPERATOR)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/api/v1/operator/bookings/?session={session.pk}&status=confirmed").json()
    assert page["count"] == 60 and len(page["results"]) == 50 and page["next"]
    assert len(real_queries(many)) == len(real_queries(few)) <= 5
    assert client.get("/api/v1/operator/bookings/?status=bogus").status_code == 400
    assert client.get("/api/v1/operator/bookings/?from=soon").status_code == 400
    since = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert client.get("/api/v1/operator/bookings/", {"from": since}).json()["count"] == 0


def test_attendance_and_confirmation_by_a_staff_key(api_key_client, tenant_alpha, in_tenant, alpha_data):
    client = api_key_client(tenant_alpha, role="staff")
    booking = alpha_data["booking"].pk
    too_early = send(client, "post", f"/api/v1/operator/bookings/{booking}/attendance/", {"attended": True})
    assert too_early.status_code == 400
    with in_tenant(tenant_alpha):
        Booking.objects.filter(pk=booking).update(starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    marked = send(client, "post", f"/api/v1/operator/bookings/{booking}/attendance/", {"attended": False})
    assert marked.status_code == 200 and marked.json()["status"] == "no_show"
