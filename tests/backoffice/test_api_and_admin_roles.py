"""The operator API and the organisation's Django admin honour the back office's roles: staff members reach their
own calendar and bookings (another staff member's are 404s) and nothing else (403); the admin is for owners and
admins only. The role decision is one (booking_core.selectors.member_scope) for the back office and the API."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection

from booking_core.models import Booking, Service, StaffMember, TimeOff
from booking_core.services.staff_links import staff_member_link_user
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

ALL = {"owner": 200, "admin": 200, "staff": 200}
MANAGERS_ONLY = {"owner": 200, "admin": 200, "staff": 403}


def _staff(status: int) -> dict:
    return {"owner": 200, "admin": 200, "staff": status}


# (method, path from the scene, body, expected status by role)
API_TABLE = [
    ("get", lambda s: "/api/v1/operator/services/", None, MANAGERS_ONLY),
    ("patch", lambda s: f"/api/v1/operator/services/{s['massage'].pk}/", {"name_en": "Massage!"}, MANAGERS_ONLY),
    ("get", lambda s: "/api/v1/operator/staff/", None, ALL),
    ("get", lambda s: f"/api/v1/operator/staff/{s['anna'].pk}/", None, ALL),
    ("get", lambda s: f"/api/v1/operator/staff/{s['bela'].pk}/", None, _staff(404)),
    ("patch", lambda s: f"/api/v1/operator/staff/{s['anna'].pk}/", {"name": "Anna K."}, MANAGERS_ONLY),
    ("get", lambda s: f"/api/v1/operator/staff/{s['anna'].pk}/working-hours/", None, ALL),
    ("get", lambda s: f"/api/v1/operator/staff/{s['bela'].pk}/working-hours/", None, _staff(404)),
    ("get", lambda s: f"/api/v1/operator/staff/{s['bela'].pk}/time-off/", None, _staff(404)),
    ("post", lambda s: f"/api/v1/operator/staff/{s['anna'].pk}/time-off/",
     {"starts_at": "2026-12-24T00:00:00Z", "ends_at": "2026-12-27T00:00:00Z"}, {**MANAGERS_ONLY, "owner": 201,
                                                                                 "admin": 201}),
    ("get", lambda s: "/api/v1/operator/sessions/", None, MANAGERS_ONLY),
    ("post", lambda s: f"/api/v1/operator/sessions/{s['session'].pk}/capacity/", {"capacity": 5}, MANAGERS_ONLY),
    ("get", lambda s: "/api/v1/operator/bookings/", None, ALL),
    ("get", lambda s: f"/api/v1/operator/bookings/{s['annas'].pk}/", None, ALL),
    ("get", lambda s: f"/api/v1/operator/bookings/{s['belas'].pk}/", None, _staff(404)),
    ("post", lambda s: f"/api/v1/operator/bookings/{s['annas'].pk}/cancel/", {"reason": "Ill"}, ALL),
    ("post", lambda s: f"/api/v1/operator/bookings/{s['belas'].pk}/cancel/", {"reason": "Ill"}, _staff(404)),
    ("get", lambda s: "/api/v1/operator/waitlist/", None, MANAGERS_ONLY),
    ("get", lambda s: "/api/v1/operator/offers/", None, MANAGERS_ONLY),
    ("get", lambda s: "/api/v1/operator/programmes/", None, MANAGERS_ONLY),
]
CASES = [(index, role) for index in range(len(API_TABLE)) for role in ("owner", "admin", "staff")]


def _send(client, method, path, body=None):
    if method == "get":
        return client.get(path)
    return client.generic(method.upper(), path, json.dumps(body or {}), content_type="application/json")


def _state(tenant, in_tenant):
    with in_tenant(tenant):
        return (sorted(Booking.objects.values_list("pk", "status")), sorted(Service.objects.values_list("name_en")),
                sorted(StaffMember.objects.values_list("name")), TimeOff.objects.count())


@pytest.mark.parametrize(("index", "role"), CASES, ids=[f"{API_TABLE[i][0]}-{i}-{r}" for i, r in CASES])
def test_each_operator_endpoint_by_role(as_role, roles_scene, tenant_alpha, in_tenant, index, role):
    # given: a member with the role (alpha_staff's calendar is Anna's)
    method, path, body, expected = API_TABLE[index]
    before = _state(tenant_alpha, in_tenant)
    # when
    response = _send(as_role(role), method, path(roles_scene), body)
    # then: the role decides as in the back office; a refusal changes nothing
    assert response.status_code == expected[role], (method, path(roles_scene), role, response.status_code)
    if response.status_code >= 400:
        assert _state(tenant_alpha, in_tenant) == before


def test_staff_members_list_only_their_own_calendar_and_bookings(as_role, roles_scene):
    s = roles_scene
    staff, admin = as_role("staff"), as_role("admin")
    listed = {row["id"] for row in staff.get("/api/v1/operator/bookings/").json()["results"]}
    assert listed == {s["annas"].pk, s["annas_today"].pk}
    everyone = {row["id"] for row in admin.get("/api/v1/operator/bookings/").json()["results"]}
    assert everyone == {s["annas"].pk, s["belas"].pk, s["annas_today"].pk, s["belas_today"].pk}
    # asking for Béla's bookings by filter gives nothing either
    by_bela = staff.get(f"/api/v1/operator/bookings/?staff={s['bela'].pk}").json()
    assert by_bela["count"] == 0
    assert [row["id"] for row in staff.get("/api/v1/operator/staff/").json()["results"]] == [s["anna"].pk]


def test_staff_members_without_a_calendar_reach_no_bookings(as_role, roles_scene, in_tenant, tenant_alpha, user):
    with in_tenant(tenant_alpha):
        staff_member_link_user(staff_id=None, user_id=user("alpha_staff").pk, actor=OPERATOR)
    connection.set_schema_to_public()
    staff = as_role("staff")
    assert staff.get("/api/v1/operator/bookings/").json()["count"] == 0
    assert staff.get(f"/api/v1/operator/bookings/{roles_scene['annas'].pk}/").status_code == 404


def test_another_organisations_ids_are_404s_in_the_api_and_change_nothing(member_client, tenant_alpha, tenant_beta,
                                                                         in_tenant, roles_scene):
    beta = member_client(tenant_beta, "beta_owner")
    before = _state(tenant_alpha, in_tenant)
    for method, path, body, _expected in API_TABLE:
        url = path(roles_scene)
        if not re.search(r"/\d+/", url):
            continue
        assert _send(beta, method, url, body).status_code == 404, (method, url)
    assert _state(tenant_alpha, in_tenant) == before


# --- the organisation's Django admin ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/", "/admin/booking_core/booking/", "/admin/booking_core/service/add/",
                                 "/admin/programmes/programme/"])
def test_the_organisations_admin_is_for_owners_and_admins(as_role, roles_scene, url):
    assert as_role("owner").get(url).status_code == 200
    assert as_role("admin").get(url).status_code == 200
    refused = as_role("staff").get(url, follow=True)
    assert refused.status_code == 403
    assert "/office/" in refused.content.decode()


def test_a_staff_member_cannot_change_a_booking_through_the_admin(as_role, roles_scene, in_tenant, tenant_alpha):
    belas = roles_scene["belas"]
    response = as_role("staff").post("/admin/booking_core/booking/", {
        "action": "cancel_by_operator", "_selected_action": [belas.pk]})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=belas.pk).status == Booking.Status.CONFIRMED
