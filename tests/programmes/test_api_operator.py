"""Operator API for programmes: members and API keys of this tenant only; 403/404 change nothing; clear 400s."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import AuditEntry
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.signups import signup_withdraw
from tenants.models import Membership
from tests.conftest import real_queries
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tenant_alpha, in_tenant):
    """An immediate programme (two groups, a question, a prepared offer) and a closed batch programme."""
    with in_tenant(tenant_alpha):
        programme = make_programme(offer_auto_send="off", min_group_size=2)
        monday, wednesday = make_group(programme, 2), make_group(programme, 3, weekday=2)
        spare = make_group(programme, 3, weekday=4)
        question = programme.form_fields.create(key="age", field_type="number", label_en="Age")
        placed = [one(tenant_alpha, programme, [monday.pk]) for _ in range(2)]
        waiting = one(tenant_alpha, programme, [monday.pk])
        signup_withdraw(tenant=tenant_alpha, signup=placed[0], actor=Actor.system("setup"))
        offer = PlaceOffer.objects.get(programme=programme)
        empty = make_programme(slug="empty")
        batch = make_programme(allocation_mode="batch", slug="batch")
        make_group(batch, 2)
        one(tenant_alpha, batch)
        Programme.objects.filter(pk=batch.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    return {"programme": programme, "monday": monday, "wednesday": wednesday, "spare": spare, "question": question,
            "placed": placed[1], "waiting": waiting, "offer": offer, "empty": empty, "batch": batch}


def send(client, method, path, data=None, **extra):
    if method == "get":
        return client.get(path, **extra)
    return client.generic(method.upper(), path, json.dumps(data or {}), content_type="application/json", **extra)


def endpoints(d):
    p, base = d["programme"].pk, f"/api/v1/operator/programmes/{d['programme'].pk}"
    monday, wednesday, spare = d["monday"].pk, d["wednesday"].pk, d["spare"].pk
    return [
        ("get", "/api/v1/operator/programmes/", None),
        ("post", "/api/v1/operator/programmes/", {
            "slug": "tennis", "name_en": "Tennis", "period_start": "2027-01-01", "period_end": "2027-01-31",
            "signup_opens_at": "2026-12-01T08:00:00Z", "signup_closes_at": "2026-12-15T08:00:00Z"}),
        ("get", f"/api/v1/operator/programmes/{p}/", None),
        ("patch", f"/api/v1/operator/programmes/{p}/", {"name_en": "Swimming!"}),
        ("delete", f"/api/v1/operator/programmes/{d['empty'].pk}/", None),
        ("post", f"/api/v1/operator/programmes/{p}/roll-over/", {}),
        ("get", f"/api/v1/operator/programmes/{d['batch'].pk}/allocation/preview/", None),
        ("post", f"/api/v1/operator/programmes/{d['batch'].pk}/allocation/commit/", {}),
        ("get", f"{base}/groups/", None),
        ("post", f"{base}/groups/", {"weekday": 5, "start_time": "10:00", "capacity": 4}),
        ("get", f"{base}/groups/{monday}/", None),
        ("patch", f"{base}/groups/{wednesday}/", {"location": "Pool B"}),
        ("post", f"{base}/groups/{wednesday}/capacity/", {"capacity": 5}),
        ("post", f"{base}/groups/{wednesday}/runs/", None),
        ("post", f"{base}/groups/{spare}/merge/", {"into": wednesday}),
        ("get", f"{base}/form-fields/", None),
        ("post", f"{base}/form-fields/", {"key": "name", "field_type": "text", "label_en": "Name"}),
        ("patch", f"{base}/form-fields/{d['question'].pk}/", {"required": True}),
        ("delete", f"{base}/form-fields/{d['question'].pk}/", None),
        ("get", f"{base}/signups/", None),
        ("get", f"{base}/signups/{d['placed'].pk}/", None),
        ("get", f"{base}/offers/", None),
        ("post", f"{base}/offers/{d['offer'].pk}/release/", None),
        ("post", f"{base}/signups/{d['placed'].pk}/withdraw/", {"reason": "Moved away"}),
        ("get", f"{base}/log/", None),
        ("post", f"{base}/groups/{monday}/cancel/", {"reason": "Pool closed"}),
    ]


def state(tenant, in_tenant):
    with in_tenant(tenant):
        return (
            sorted(Programme.objects.values_list("slug", "name_en", "strategy", "allocated_at"), key=str),
            sorted(ProgrammeGroup.objects.values_list("id", "capacity", "places_taken", "is_cancelled", "location",
                                                      "minimum_decision"), key=str),
            sorted(SignUp.objects.values_list("id", "status", "group_id"), key=str),
            sorted(PlaceOffer.objects.values_list("id", "status")),
            AllocationLogEntry.objects.count(), AuditEntry.objects.count(),
            sorted(Programme.objects.values_list("form_fields__key", "form_fields__required"), key=str),
        )


def test_anonymous_callers_are_refused_everywhere_and_nothing_changes(client_for, tenant_alpha, in_tenant, data):
    before = state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(data):
        response = send(client_for(tenant_alpha), method, path, body)
        assert response.status_code == 401, (method, path, response.status_code)
    assert state(tenant_alpha, in_tenant) == before


def test_users_without_a_membership_get_403_and_nothing_changes(member_client, tenant_alpha, in_tenant, data, user):
    client = member_client(tenant_alpha, "alpha_staff")
    Membership.objects.filter(user=user("alpha_staff"), tenant=tenant_alpha).delete()
    before = state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(data):
        assert send(client, method, path, body).status_code == 403, (method, path)
    assert state(tenant_alpha, in_tenant) == before


def test_another_tenants_members_and_keys_are_refused(member_client, api_key_client, tenant_alpha, tenant_beta,
                                                      in_tenant, data):
    cookie_of_beta = member_client(tenant_beta, "beta_owner")
    key_of_beta = api_key_client(tenant_alpha, role="admin", key_tenant=tenant_beta)
    before = state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(data):
        assert send(cookie_of_beta, method, path, body, HTTP_HOST="alpha.localhost").status_code == 401, path
        assert send(key_of_beta, method, path, body).status_code == 401, path
    assert state(tenant_alpha, in_tenant) == before


def test_another_tenants_ids_are_404_and_nothing_changes_on_either_side(member_client, tenant_alpha, tenant_beta,
                                                                        in_tenant, data):
    client = member_client(tenant_beta, "beta_owner")
    before = state(tenant_alpha, in_tenant), state(tenant_beta, in_tenant)
    for method, path, body in endpoints(data):
        if not re.search(r"/programmes/\d+/", path):
            continue
        response = send(client, method, path, body)
        assert response.status_code == 404, (method, path, response.status_code)
    assert (state(tenant_alpha, in_tenant), state(tenant_beta, in_tenant)) == before


def test_staff_members_are_refused_programmes_as_in_the_back_office(member_client, tenant_alpha, in_tenant, data):
    client = member_client(tenant_alpha, "alpha_staff")
    before = state(tenant_alpha, in_tenant)
    for method, path, body in endpoints(data):
        assert send(client, method, path, body).status_code == 403, (method, path)
    assert state(tenant_alpha, in_tenant) == before


def test_staff_keys_read_everything_and_handle_sign_ups_and_offers_but_not_programmes(api_key_client, tenant_alpha,
                                                                                      in_tenant, data):
    client = api_key_client(tenant_alpha, role="staff")
    for method, path, body in endpoints(data):
        response = send(client, method, path, body)
        if method == "get":
            assert response.status_code == 200, path
        elif "/signups/" in path or "/offers/" in path:
            assert response.status_code == 200, (path, response.content)
        else:
            assert response.status_code == 403, (method, path)
    with in_tenant(tenant_alpha):
        assert SignUp.objects.get(pk=data["placed"].pk).status == "withdrawn"
        assert PlaceOffer.objects.get(pk=data["offer"].pk).status == "sent"


def test_owners_use_every_endpoint_and_every_change_is_audited(member_client, tenant_alpha, in_tenant, data):
    client = member_client(tenant_alpha, "alpha_owner")
    for method, path, body in endpoints(data):
        response = send(client, method, path, body)
        assert response.status_code in (200, 201, 204), (method, path, response.status_code, response.content)
    with in_tenant(tenant_alpha):
        actions = set(AuditEntry.objects.filter(actor_label="alpha_owner@example.com").values_list("action",
                                                                                                  flat=True))
        assert Programme.objects.get(slug="batch").allocated_at is not None
        assert ProgrammeGroup.objects.get(pk=data["monday"].pk).is_cancelled
    assert actions == {
        "programme.created", "programme.updated", "programme.deleted", "programme.rolled_over", "programme.allocated",
        "programme_group.created", "programme_group.updated", "programme_group.capacity_changed",
        "programme_group.runs_below_minimum", "programme_group.merged", "programme_group.cancelled",
        "programme_form_field.created", "programme_form_field.updated", "programme_form_field.deleted",
        "place_offer.released", "programme_signup.withdrawn",
    }


def test_invalid_input_is_a_clear_400_and_changes_nothing(api_key_client, tenant_alpha, in_tenant, data):
    client = api_key_client(tenant_alpha)
    base = f"/api/v1/operator/programmes/{data['programme'].pk}"
    cases = [
        ("post", "/api/v1/operator/programmes/", {"slug": "x y", "name_en": "", "period_start": "2027-02-01",
                                                  "period_end": "2027-01-01"}),
        ("post", "/api/v1/operator/programmes/", {
            "slug": "bad-window", "name_en": "X", "period_start": "2027-01-01", "period_end": "2027-01-31",
            "signup_opens_at": "2026-12-15T08:00:00Z", "signup_closes_at": "2026-12-01T08:00:00Z"}),
        ("patch", f"/api/v1/operator/programmes/{data['programme'].pk}/", {"strategy": "balanced"}),
        ("patch", f"/api/v1/operator/programmes/{data['programme'].pk}/", {"strategy": "first_come"}),
        ("post", f"{base}/groups/", {"weekday": 9, "start_time": "25:00", "capacity": 0}),
        ("patch", f"{base}/groups/{data['monday'].pk}/", {"weekday": 8}),
        ("post", f"{base}/groups/{data['monday'].pk}/capacity/", {"capacity": 0}),
        ("post", f"{base}/groups/{data['monday'].pk}/cancel/", {"reason": ""}),
        ("post", f"{base}/groups/{data['spare'].pk}/merge/", {"into": 999999}),
        ("post", f"{base}/form-fields/", {"key": "level", "field_type": "single_choice", "label_en": "Level"}),
        ("post", f"{base}/signups/{data['placed'].pk}/withdraw/", {"reason": ""}),
        ("post", f"/api/v1/operator/programmes/{data['programme'].pk}/roll-over/", {"months": 0}),
    ]
    before = state(tenant_alpha, in_tenant)
    for method, path, body in cases:
        response = send(client, method, path, body)
        assert response.status_code == 400, (path, body, response.status_code, response.content)
        assert response.json()["fields"], (path, body)
    for path in [f"{base}/signups/?status=bogus", f"{base}/log/?signup=x", f"{base}/offers/?status=nope",
                 f"/api/v1/operator/programmes/{data['programme'].pk}/allocation/preview/"]:
        assert client.get(path).status_code == 400, path
    assert state(tenant_alpha, in_tenant) == before


@pytest.mark.parametrize("query", ["log/?signup=²", "log/?group=%C2%B2", "signups/?group=٣", "log/?signup=-1",
                                   "signups/?group=1.0"])
def test_ids_in_the_query_string_that_are_not_plain_digits_are_a_400(api_key_client, tenant_alpha, data, query):
    # given: "²" (U+00B2) and "٣" (U+0663) pass str.isdigit() but int() refuses them
    client = api_key_client(tenant_alpha)

    # when
    response = client.get(f"/api/v1/operator/programmes/{data['programme'].pk}/{query}")

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [query.split("?")[1].split("=")[0]]


def test_an_id_beyond_any_row_in_the_query_string_finds_nothing(api_key_client, tenant_alpha, data):
    client = api_key_client(tenant_alpha)
    response = client.get(f"/api/v1/operator/programmes/{data['programme'].pk}/log/?group={10 ** 30}")
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_preview_then_commit_with_the_fingerprint_and_a_stale_one_is_409(api_key_client, tenant_alpha, in_tenant,
                                                                         data):
    client = api_key_client(tenant_alpha)
    base = f"/api/v1/operator/programmes/{data['batch'].pk}/allocation"
    preview = client.get(f"{base}/preview/").json()
    assert (preview["signups"], preview["allocated"], preview["unplaced"]) == (1, 1, 0)
    assert preview["decisions"][0]["rule"] == "fast_fill.first_open_group"
    stale = send(client, "post", f"{base}/commit/", {"fingerprint": "0" * 64})
    assert stale.status_code == 409 and stale.json()["code"] == "preview_outdated"
    committed = send(client, "post", f"{base}/commit/", {"fingerprint": preview["fingerprint"]})
    assert committed.status_code == 201 and committed.json()["allocated"] == 1
    assert send(client, "post", f"{base}/commit/", {}).status_code == 409


@pytest.mark.parametrize("list_path", ["/api/v1/operator/programmes/", "{base}/signups/", "{base}/log/",
                                       "{base}/offers/", "{base}/groups/"])
def test_lists_are_paginated_with_a_fixed_number_of_queries(api_key_client, tenant_alpha, in_tenant, data,
                                                            list_path):
    client = api_key_client(tenant_alpha)
    path = list_path.format(base=f"/api/v1/operator/programmes/{data['programme'].pk}")
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    with in_tenant(tenant_alpha):
        programme = Programme.objects.get(pk=data["programme"].pk)
        for index in range(55):
            make_programme(slug=f"more-{index}")
            group = make_group(programme, 1, weekday=index % 7)
            one(tenant_alpha, programme, [group.pk])
            one(tenant_alpha, programme, [group.pk])  # waits
            signup_withdraw(tenant=tenant_alpha, signup=SignUp.objects.filter(group=group).get(),
                            actor=Actor.system("setup"))  # an offer
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        page = client.get(path).json()
    assert page["count"] > 50 and len(page["results"]) == 50 and page["next"]
    assert len(real_queries(many)) == len(real_queries(few)) <= 6, "\n".join(real_queries(many))


def test_a_second_question_with_the_same_key_is_a_400_like_on_a_service(api_key_client, tenant_alpha, data,
                                                                          in_tenant):
    # given a programme whose form already asks "age"
    client = api_key_client(tenant_alpha)
    path = f"/api/v1/operator/programmes/{data['programme'].pk}/form-fields/"
    # when the same key is added again
    response = client.post(path, {"key": "age", "field_type": "text", "label_en": "Age again"},
                           content_type="application/json")
    # then it is refused next to the field, and the form is unchanged
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "__all__": ["Programme form field with this Programme and Key already exists."]}
    with in_tenant(tenant_alpha):
        assert list(data["programme"].form_fields.values_list("key", "label_en")) == [("age", "Age")]
