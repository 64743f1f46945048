"""Waitlist API: clients join and answer offers by token; operators see the queue and decide. Refusals change
nothing; another tenant's ids and tokens are 404s."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_core.models import AuditEntry, Booking, Offer, Service, Session, WaitlistEntry
from booking_core.services.bookings import booking_cancel
from tests.booking_core.test_api_operator import send
from tests.conftest import real_queries
from tests.factories import OPERATOR, make_service, make_session
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(tenant_alpha, in_tenant):
    """A full session (2 bookings of 2 seats) with three clients waiting; auto-send off, so offers wait."""
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", name_hu="Úszás", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=4)
        bookings = fill(tenant_alpha, session, [2, 2])
        first, second, third = (join(tenant_alpha, session, seats=seats) for seats in (2, 1, 1))
        booking_cancel(tenant=tenant_alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=first)
    connection.set_schema_to_public()
    return {"service": service, "session": session, "bookings": bookings, "first": first, "second": second,
            "third": third, "offer": offer}


def _state(tenant, in_tenant):
    with in_tenant(tenant):
        return (
            sorted(WaitlistEntry.objects.values_list("pk", "status", "priority")),
            sorted(Offer.objects.values_list("pk", "status")),
            Booking.objects.count(),
            list(Session.objects.values_list("seats_booked", "seats_held")),
        )


def operator_endpoints(d):
    first, offer, session = d["first"].pk, d["offer"].pk, d["session"].pk
    return [
        ("get", "/api/v1/operator/waitlist/", None),
        ("post", "/api/v1/operator/waitlist/", {"service": d["service"].pk, "session": session, "seats": 1,
                                                "client": {"name": "Phone Caller", "email": "phone@example.com"}}),
        ("get", f"/api/v1/operator/waitlist/{first}/", None),
        ("get", f"/api/v1/operator/waitlist/candidates/?session={session}", None),
        ("get", "/api/v1/operator/waitlist/figures/", None),
        ("post", f"/api/v1/operator/waitlist/{d['third'].pk}/priority/", {"priority": 5, "reason": "Regular"}),
        ("get", "/api/v1/operator/offers/", None),
        ("get", f"/api/v1/operator/offers/{offer}/", None),
        ("post", f"/api/v1/operator/offers/{offer}/release/", None),
        ("post", "/api/v1/operator/offers/release/", {"all": True}),
        ("post", f"/api/v1/operator/offers/{offer}/withdraw/", None),
        ("post", f"/api/v1/operator/waitlist/{d['second'].pk}/remove/", None),
    ]


# --- public ------------------------------------------------------------------------------------------------


def test_joining_a_full_session_answers_with_the_position_and_a_status_token(client_for, tenant_alpha, scene):
    response = send(client_for(tenant_alpha), "post", "/api/v1/waitlist/", {
        "service": scene["service"].pk, "session": scene["session"].pk, "seats": 1, "language": "hu",
        "client": {"name": "Nagy Éva", "email": "eva@example.hu"}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["position"], body["seats_wanted"], body["language"]) == ("waiting", 4, 1, "hu")
    assert body["service_name"] == "Úszás"
    status_page = client_for(tenant_alpha).get(f"/api/v1/waitlist/{body['token']}/")
    assert status_page.json()["position"] == 4


@pytest.mark.parametrize("body, field", [
    ({"seats": 0}, "seats"),
    ({"seats": 9}, "seats"),
    ({"client": {"name": "X", "email": "not-an-email"}}, "client"),
    ({"session": None, "date_from": "2026-12-10", "date_to": "2026-11-01"}, "date_to"),
    ({"answers": {"unknown": 1}}, "unknown"),
])
def test_bad_joins_are_400_with_the_field_and_change_nothing(client_for, tenant_alpha, in_tenant, scene, body,
                                                             field):
    before = _state(tenant_alpha, in_tenant)
    valid = {"service": scene["service"].pk, "session": scene["session"].pk, "seats": 1,
             "client": {"name": "Kim", "email": "kim@example.com"}}
    payload = {key: value for key, value in {**valid, **body}.items() if value is not None}
    response = send(client_for(tenant_alpha), "post", "/api/v1/waitlist/", payload)
    assert response.status_code == 400, response.content
    assert any(field in name for name in response.json()["fields"]), response.json()
    assert _state(tenant_alpha, in_tenant) == before


def test_joining_twice_or_while_seats_are_free_is_refused(client_for, tenant_alpha, in_tenant, scene):
    client = client_for(tenant_alpha)
    body = {"service": scene["service"].pk, "session": scene["session"].pk, "seats": 1,
            "client": {"name": "Kim", "email": "kim@example.com"}}
    assert send(client, "post", "/api/v1/waitlist/", body).status_code == 201
    again = send(client, "post", "/api/v1/waitlist/", {**body, "client": {"name": "Kim", "email": "KIM@example.com"}})
    assert (again.status_code, again.json()["code"]) == (400, "already_waitlisted")
    with in_tenant(tenant_alpha):
        roomy = make_session(scene["service"], capacity=10)
    free = send(client, "post", "/api/v1/waitlist/", {**body, "session": roomy.pk})
    assert (free.status_code, free.json()["code"]) == (400, "seats_available")


def test_another_tenants_service_or_session_cannot_be_joined_from_here(client_for, tenant_beta, tenant_alpha,
                                                                       in_tenant, scene):
    before = _state(tenant_alpha, in_tenant)
    with in_tenant(tenant_beta):
        beta_service = make_service()
    response = send(client_for(tenant_beta), "post", "/api/v1/waitlist/", {
        "service": beta_service.pk, "session": scene["session"].pk, "seats": 1,
        "client": {"name": "Kim", "email": "kim@example.com"}})
    assert response.status_code == 400 and "session" in response.json()["fields"]
    missing = send(client_for(tenant_beta), "post", "/api/v1/waitlist/", {
        "service": scene["service"].pk + 1000, "session": scene["session"].pk, "seats": 1,
        "client": {"name": "Kim", "email": "kim@example.com"}})
    assert missing.status_code == 404
    assert _state(tenant_alpha, in_tenant) == before
    with in_tenant(tenant_beta):
        assert not WaitlistEntry.objects.exists()


def test_a_prepared_offer_is_invisible_to_the_client_until_released(client_for, tenant_alpha, scene):
    client = client_for(tenant_alpha)
    offer = scene["offer"]
    assert client.get(f"/api/v1/offers/{offer.token}/").status_code == 404
    assert send(client, "post", f"/api/v1/offers/{offer.token}/accept/").status_code == 404
    assert client.get(f"/api/v1/waitlist/{scene['first'].token}/").json()["open_offer"] is None


def test_a_released_offer_is_accepted_by_token_exactly_once(client_for, member_client, tenant_alpha, in_tenant,
                                                            scene):
    # given
    assert send(member_client(tenant_alpha, "alpha_owner"), "post",
                f"/api/v1/operator/offers/{scene['offer'].pk}/release/").status_code == 200
    client = client_for(tenant_alpha)
    token = scene["offer"].token
    seen = client.get(f"/api/v1/offers/{token}/").json()
    assert (seen["status"], seen["seats"], seen["service_name"]) == ("sent", 2, "Swimming")
    assert client.get(f"/api/v1/waitlist/{scene['first'].token}/").json()["open_offer"]["token"] == token
    # when: accepted twice
    first = send(client, "post", f"/api/v1/offers/{token}/accept/")
    second = send(client, "post", f"/api/v1/offers/{token}/accept/")
    # then
    assert first.status_code == second.status_code == 200
    assert first.json()["manage_token"] == second.json()["manage_token"]
    assert (first.json()["status"], first.json()["seats"]) == ("confirmed", 2)
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(source="waitlist").count() == 1
    declined = send(client, "post", f"/api/v1/offers/{token}/decline/")
    assert (declined.status_code, declined.json()["code"]) == (409, "offer_closed")


def test_declining_by_token_passes_the_seats_on(client_for, member_client, tenant_alpha, in_tenant, scene):
    send(member_client(tenant_alpha, "alpha_owner"), "post", f"/api/v1/operator/offers/{scene['offer'].pk}/release/")
    response = send(client_for(tenant_alpha), "post", f"/api/v1/offers/{scene['offer'].token}/decline/")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    with in_tenant(tenant_alpha):
        assert sorted(Offer.objects.filter(status="prepared").values_list("entry_id", flat=True)) == sorted(
            [scene["second"].pk, scene["third"].pk])


def test_leaving_by_token(client_for, tenant_alpha, in_tenant, scene):
    response = send(client_for(tenant_alpha), "post", f"/api/v1/waitlist/{scene['third'].token}/leave/")
    assert response.status_code == 200 and response.json()["status"] == "removed"
    assert response.json()["position"] is None


def test_unknown_and_foreign_tokens_are_404(client_for, tenant_beta, tenant_alpha, in_tenant, scene):
    before = _state(tenant_alpha, in_tenant)
    for method, path in [("get", f"/api/v1/waitlist/{scene['first'].token}/"),
                         ("post", f"/api/v1/waitlist/{scene['first'].token}/leave/"),
                         ("get", f"/api/v1/offers/{scene['offer'].token}/"),
                         ("post", f"/api/v1/offers/{scene['offer'].token}/accept/"),
                         ("post", f"/api/v1/offers/{scene['offer'].token}/decline/")]:
        assert send(client_for(tenant_beta), method, path).status_code == 404, path
        assert send(client_for(tenant_alpha), method, path.replace(scene["first"].token, "nope")
                    .replace(scene["offer"].token, "nope")).status_code == 404, path
    assert _state(tenant_alpha, in_tenant) == before


# --- operators -----------------------------------------------------------------------------------------------


def test_every_operator_endpoint_refuses_anonymous_callers_and_changes_nothing(client_for, tenant_alpha, in_tenant,
                                                                              scene):
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in operator_endpoints(scene):
        assert send(client_for(tenant_alpha), method, path, body).status_code == 401, (method, path)
    assert _state(tenant_alpha, in_tenant) == before


def test_logged_in_users_without_a_membership_get_403_and_change_nothing(member_client, tenant_alpha, in_tenant,
                                                                         scene, user):
    client = member_client(tenant_alpha, "alpha_staff")
    from tenants.models import Membership

    Membership.objects.filter(user=user("alpha_staff"), tenant=tenant_alpha).delete()
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in operator_endpoints(scene):
        assert send(client, method, path, body).status_code == 403, (method, path)
    assert _state(tenant_alpha, in_tenant) == before


def test_another_tenants_ids_are_404_and_nothing_changes(member_client, tenant_alpha, tenant_beta, in_tenant, scene):
    client = member_client(tenant_beta, "beta_owner")
    before_alpha, before_beta = _state(tenant_alpha, in_tenant), _state(tenant_beta, in_tenant)
    for method, path, body in operator_endpoints(scene):
        if not re.search(r"/operator/\w+/\d+/|session=\d+", path):
            continue
        assert send(client, method, path, body).status_code == 404, (method, path)
    assert _state(tenant_alpha, in_tenant) == before_alpha
    assert _state(tenant_beta, in_tenant) == before_beta


def test_staff_members_are_refused_the_waitlist_as_in_the_back_office(member_client, tenant_alpha, in_tenant,
                                                                      scene):
    client = member_client(tenant_alpha, "alpha_staff")
    before = _state(tenant_alpha, in_tenant)
    for method, path, body in operator_endpoints(scene):
        response = send(client, method, path, body)
        assert response.status_code == 403, (method, path, response.status_code)
    assert _state(tenant_alpha, in_tenant) == before


def test_staff_keys_handle_the_waitlist(api_key_client, tenant_alpha, in_tenant, scene):
    client = api_key_client(tenant_alpha, role="staff")
    for method, path, body in operator_endpoints(scene):
        response = send(client, method, path, body)
        assert response.status_code in (200, 201), (method, path, response.status_code, response.content)
    with in_tenant(tenant_alpha):
        actions = set(AuditEntry.objects.exclude(actor_label="").values_list("action", flat=True))
    assert {"waitlist.joined", "waitlist.priority_changed", "offer.sent", "offer.withdrawn",
            "waitlist.removed"} <= actions


def test_the_candidate_list_shows_who_is_next_and_why(api_key_client, tenant_alpha, scene):
    rows = api_key_client(tenant_alpha).get(
        f"/api/v1/operator/waitlist/candidates/?session={scene['session'].pk}").json()
    assert [(row["position"], row["entry"]["id"], row["reason"], row["gets_seats_now"]) for row in rows] == [
        (1, scene["first"].pk, "offer_open", False),
        (2, scene["second"].pk, "no_seats_free", False),
        (3, scene["third"].pk, "no_seats_free", False),
    ]
    assert rows[0]["open_offer"]["status"] == "prepared"


def test_an_operator_adds_someone_with_a_priority_and_its_reason_or_nothing_at_all(api_key_client, tenant_alpha,
                                                                                  in_tenant, scene):
    client = api_key_client(tenant_alpha)
    body = {"service": scene["service"].pk, "session": scene["session"].pk, "seats": 1, "priority": 5,
            "client": {"name": "Phone Caller", "email": "phone@example.com"}}
    before = _state(tenant_alpha, in_tenant)
    refused = send(client, "post", "/api/v1/operator/waitlist/", body)
    assert refused.status_code == 400 and "priority_reason" in refused.json()["fields"]
    assert _state(tenant_alpha, in_tenant) == before
    added = send(client, "post", "/api/v1/operator/waitlist/", {**body, "priority_reason": "Called twice"})
    assert added.status_code == 201
    assert (added.json()["priority"], added.json()["priority_reason"], added.json()["source"]) == (
        5, "Called twice", "operator")


def test_priorities_need_a_reason_and_reorder_the_queue(api_key_client, tenant_alpha, in_tenant, scene):
    client = api_key_client(tenant_alpha)
    before = _state(tenant_alpha, in_tenant)
    refused = send(client, "post", f"/api/v1/operator/waitlist/{scene['third'].pk}/priority/", {"priority": 3})
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    assert _state(tenant_alpha, in_tenant) == before
    moved = send(client, "post", f"/api/v1/operator/waitlist/{scene['third'].pk}/priority/",
                 {"priority": 3, "reason": "Member since 2019"})
    assert moved.status_code == 200 and moved.json()["priority_reason"] == "Member since 2019"
    rows = client.get(f"/api/v1/operator/waitlist/candidates/?session={scene['session'].pk}").json()
    assert [row["entry"]["id"] for row in rows][:2] == [scene["third"].pk, scene["first"].pk]


def test_skip_and_release_all(api_key_client, tenant_alpha, in_tenant, scene):
    client = api_key_client(tenant_alpha)
    skipped = send(client, "post", f"/api/v1/operator/offers/{scene['offer'].pk}/skip/")
    assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
    with in_tenant(tenant_alpha):
        prepared = set(Offer.objects.filter(status="prepared").values_list("entry_id", flat=True))
    assert prepared == {scene["second"].pk, scene["third"].pk}
    released = send(client, "post", "/api/v1/operator/offers/release/", {"all": True}).json()
    assert len(released["released"]) == 2 and released["refused"] == []
    again = send(client, "post", f"/api/v1/operator/offers/{scene['offer'].pk}/skip/")
    assert (again.status_code, again.json()["code"]) == (409, "offer_closed")


def test_an_operator_offers_a_place_by_hand_only_when_it_is_free(api_key_client, tenant_alpha, in_tenant, scene):
    client = api_key_client(tenant_alpha)
    before = _state(tenant_alpha, in_tenant)
    full = send(client, "post", f"/api/v1/operator/waitlist/{scene['second'].pk}/offer/", {})
    assert (full.status_code, full.json()["code"]) == (409, "capacity")
    assert _state(tenant_alpha, in_tenant) == before
    send(client, "post", f"/api/v1/operator/offers/{scene['offer'].pk}/withdraw/")
    made = send(client, "post", f"/api/v1/operator/waitlist/{scene['second'].pk}/offer/", {"send": False})
    assert made.status_code == 201
    assert (made.json()["status"], made.json()["made_by_operator"]) == ("prepared", True)


def test_lists_paginate_filter_and_use_a_fixed_number_of_queries(api_key_client, tenant_alpha, in_tenant, scene):
    client = api_key_client(tenant_alpha)
    client.get("/api/v1/operator/waitlist/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/operator/waitlist/").json()["count"] == 3
    with in_tenant(tenant_alpha):
        for _ in range(60):
            join(tenant_alpha, scene["session"])
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/api/v1/operator/waitlist/?session={scene['session'].pk}&status=waiting").json()
    assert page["count"] == 62 and len(page["results"]) == 50
    assert len(real_queries(many)) == len(real_queries(few)) <= 5
    with CaptureQueriesContext(connection) as offers:
        assert client.get("/api/v1/operator/offers/?status=prepared").json()["count"] == 1
    assert len(real_queries(offers)) <= 5
    assert client.get("/api/v1/operator/waitlist/?status=bogus").status_code == 400
    assert client.get("/api/v1/operator/offers/?service=x").status_code == 400
    assert client.get("/api/v1/operator/offers/?session=%C2%B2").status_code == 400  # a digit to str, not to int


def test_revenue_figures(api_key_client, member_client, client_for, tenant_alpha, in_tenant, scene):
    send(member_client(tenant_alpha, "alpha_owner"), "post", f"/api/v1/operator/offers/{scene['offer'].pk}/release/")
    send(client_for(tenant_alpha), "post", f"/api/v1/offers/{scene['offer'].token}/accept/")
    figures = api_key_client(tenant_alpha).get("/api/v1/operator/waitlist/figures/").json()
    (row,) = figures["services"]
    assert (row["offers_prepared"], row["offers_sent"], row["offers_accepted"], row["seats_refilled"]) == (1, 1, 1, 2)
    assert row["revenue_recovered"] == {"EUR": 2 * 2500}
    assert row["median_minutes_freed_to_booking"] is not None
    assert figures["total"]["revenue_recovered"] == {"EUR": 5000}
    since = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    later = api_key_client(tenant_alpha).get("/api/v1/operator/waitlist/figures/", {"from": since}).json()
    assert later["services"] == [] and later["total"]["offers_prepared"] == 0
    # a refilled booking cancelled later recovered nothing
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(source="waitlist")
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=OPERATOR, reason="Changed plans")
    (row,) = api_key_client(tenant_alpha).get("/api/v1/operator/waitlist/figures/").json()["services"]
    assert (row["offers_accepted"], row["seats_refilled"], row["revenue_recovered"]) == (1, 0, {})


@pytest.mark.parametrize("path", [
    "/api/v1/bookings/manage/a%00bcdefghij/", "/api/v1/waitlist/a%00bcdefghij/", "/api/v1/offers/a%00bcdefghij/",
    "/api/v1/programmes/signups/a%00bcdefghij/", "/api/v1/programmes/offers/a%00bcdefghij/",
])
def test_a_token_that_cannot_be_one_is_a_404_not_a_500(client_for, tenant_alpha, path):
    assert client_for(tenant_alpha).get(path).status_code == 404
