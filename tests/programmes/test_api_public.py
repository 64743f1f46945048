"""Public programme API: open programmes, sign-up, status and withdrawal by token, offers by token."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_core.acting import Actor
from booking_core.programmes.models import PlaceOffer, Programme, SignUp
from booking_core.programmes.services.signups import signup_withdraw
from tests.conftest import real_queries
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db


def post(client, path, data=None, **extra):
    return client.post(path, json.dumps(data or {}), content_type="application/json", **extra)


@pytest.fixture
def open_programme(tenant_alpha, in_tenant):
    """Alpha's open programme: Monday (2 places, taken) and Wednesday (2 places), a question; a draft programme."""
    with in_tenant(tenant_alpha):
        programme = make_programme(name_en="Swimming", name_hu="Úszás", name_de="Schwimmen")
        monday, wednesday = make_group(programme, 2, name_en="Mondays"), make_group(programme, 2, weekday=2)
        programme.form_fields.create(key="age", field_type="number", label_en="Age", label_hu="Életkor",
                                     required=True)
        taken = one(tenant_alpha, programme, [monday.pk], answers={"age": 8})
        one(tenant_alpha, programme, [monday.pk], answers={"age": 9})
        draft = make_programme(is_published=False, slug="draft")
        make_group(draft)
    connection.set_schema_to_public()
    return {"programme": programme, "monday": monday, "wednesday": wednesday, "taken": taken, "draft": draft}


def signup_body(**overrides):
    body = {"client": {"name": "Kiss Dóra", "email": "dora@example.com"}, "attendees": ["Anna"],
            "preferences": None, "answers": {"age": 7}}
    body.update(overrides)
    return body


def state(tenant, in_tenant):
    with in_tenant(tenant):
        return (sorted(SignUp.objects.values_list("id", "status", "group_id"), key=str),
                sorted(PlaceOffer.objects.values_list("id", "status")),
                sorted(Programme.objects.values_list("id", "groups__places_taken"), key=str))


def test_open_programmes_are_listed_with_their_groups_in_the_callers_language(client_for, tenant_alpha,
                                                                               open_programme):
    # when
    page = client_for(tenant_alpha).get("/api/v1/programmes/", HTTP_ACCEPT_LANGUAGE="hu").json()

    # then: the draft is not there
    (listed,) = page["results"]
    assert (listed["name"], listed["strategy"], listed["allocation_mode"]) == ("Úszás", "fast_fill", "immediate")
    assert [(group["name"], group["places_free"], group["state"]) for group in listed["groups"]] == [
        ("Mondays", 0, "full"), ("szerda 17:00", 2, "open")]
    assert len(listed["groups"][1]["sessions"]) == 5  # the Wednesdays of December 2026


def test_the_list_uses_a_fixed_number_of_queries(client_for, tenant_alpha, in_tenant, open_programme):
    client = client_for(tenant_alpha)
    client.get("/api/v1/programmes/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/programmes/")
    with in_tenant(tenant_alpha):
        for index in range(55):
            make_group(make_programme(slug=f"open-{index}"), 3)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        page = client.get("/api/v1/programmes/").json()
    assert page["count"] == 56 and len(page["results"]) == 50
    assert len(real_queries(many)) == len(real_queries(few)) <= 4


def test_signing_up_places_or_waitlists_and_the_token_shows_where_one_stands(client_for, tenant_alpha, in_tenant,
                                                                            open_programme):
    # given
    client = client_for(tenant_alpha)
    monday = open_programme["monday"].pk
    path = f"/api/v1/programmes/{open_programme['programme'].pk}/signups/"

    # when: a family of two for Monday first, and a child for any group
    family = post(client, path, signup_body(attendees=["Anna", "Ben"], preferences=[monday]))
    single = post(client, path, signup_body(attendees=["Cili"], language="de"))

    # then
    assert family.status_code == 201 and single.status_code == 201
    assert [(s["participant"], s["status"], s["position"]) for s in family.json()] == [
        ("Anna", "waitlisted", 1), ("Ben", "waitlisted", 1)]
    assert family.json()[0]["household"] == [{"participant": "Ben", "status": "waitlisted", "group": None}]
    (cili,) = single.json()
    assert (cili["status"], cili["group"]["id"]) == ("allocated", open_programme["wednesday"].pk)
    status = client.get(f"/api/v1/programmes/signups/{family.json()[0]['token']}/").json()
    assert status["waiting_for"] == [{"id": monday, "name": "Mondays"}]
    assert status["explanation"] == "No group has room for your whole household yet, so you wait together."
    with in_tenant(tenant_alpha):
        assert SignUp.objects.get(token=cili["token"]).language == "de"


def test_withdrawing_by_token_frees_the_place_for_the_next_one(client_for, tenant_alpha, in_tenant, open_programme):
    # given
    client = client_for(tenant_alpha)
    path = f"/api/v1/programmes/{open_programme['programme'].pk}/signups/"
    waiting = post(client, path, signup_body(preferences=[open_programme["monday"].pk])).json()[0]

    # when
    withdrawn = post(client, f"/api/v1/programmes/signups/{open_programme['taken'].token}/withdraw/")
    again = post(client, f"/api/v1/programmes/signups/{open_programme['taken'].token}/withdraw/")

    # then
    assert withdrawn.status_code == again.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    offer = client.get(f"/api/v1/programmes/signups/{waiting['token']}/").json()["offer"]
    assert (offer["group"]["id"], offer["places"], offer["participants"]) == (
        open_programme["monday"].pk, 1, ["Anna"])
    accepted = post(client, f"/api/v1/programmes/offers/{offer['token']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert post(client, f"/api/v1/programmes/offers/{offer['token']}/decline/").status_code == 409
    assert client.get(f"/api/v1/programmes/signups/{waiting['token']}/").json()["status"] == "allocated"


def test_declining_by_token(client_for, tenant_alpha, in_tenant, open_programme):
    # given
    with in_tenant(tenant_alpha):
        waiting = one(tenant_alpha, open_programme["programme"], [open_programme["monday"].pk], answers={"age": 6})
        signup_withdraw(tenant=tenant_alpha, signup=open_programme["taken"], actor=Actor.system("test"))
        token = PlaceOffer.objects.get().token
    connection.set_schema_to_public()

    # when
    declined = post(client_for(tenant_alpha), f"/api/v1/programmes/offers/{token}/decline/")

    # then
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    with in_tenant(tenant_alpha):
        assert SignUp.objects.get(pk=waiting.pk).status == "not_allocated"


def test_bad_input_is_a_clear_400_and_changes_nothing(client_for, tenant_alpha, in_tenant, open_programme):
    client = client_for(tenant_alpha)
    path = f"/api/v1/programmes/{open_programme['programme'].pk}/signups/"
    cases = [
        signup_body(client={"name": "", "email": "not-an-email"}),
        signup_body(preferences=[999999]),
        signup_body(preferences=[open_programme["monday"].pk, open_programme["monday"].pk]),
        signup_body(preferences="monday"),
        signup_body(answers={"age": "old"}),
        signup_body(answers={}),
        signup_body(attendees=["Anna", "anna"]),
        signup_body(attendees=["A", "B", "C", "D", "E", "F", "G"]),
        signup_body(keep_together="maybe"),
        {"client": "me"},
    ]
    before = state(tenant_alpha, in_tenant)
    for body in cases:
        response = post(client, path, body)
        assert response.status_code == 400, (body, response.status_code, response.content)
        assert response.json()["fields"], body
    assert state(tenant_alpha, in_tenant) == before


def test_the_same_participant_twice_is_409_and_a_closed_window_400(client_for, tenant_alpha, in_tenant,
                                                                   open_programme):
    client = client_for(tenant_alpha)
    path = f"/api/v1/programmes/{open_programme['programme'].pk}/signups/"
    assert post(client, path, signup_body()).status_code == 201
    duplicate = post(client, path, signup_body())
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "already_signed_up"
    with in_tenant(tenant_alpha):
        closed = make_programme(open_now=False, slug="closed")
        make_group(closed)
    connection.set_schema_to_public()
    refused = post(client, f"/api/v1/programmes/{closed.pk}/signups/", signup_body(answers={}))
    assert refused.json()["detail"] == "Sign-up has closed."
    assert refused.status_code == 400 and refused.json()["code"] == "signup_closed"


def test_unknown_tokens_drafts_and_other_tenants_are_404_and_change_nothing(client_for, tenant_alpha, tenant_beta,
                                                                            in_tenant, open_programme):
    # given: alpha's ids and tokens used on alpha's host and on beta's
    with in_tenant(tenant_alpha):
        waiting = one(tenant_alpha, open_programme["programme"], [open_programme["monday"].pk], answers={"age": 6})
        signup_withdraw(tenant=tenant_alpha, signup=open_programme["taken"], actor=Actor.system("test"))
        offer = PlaceOffer.objects.get()
    connection.set_schema_to_public()
    programme, token = open_programme["programme"].pk, waiting.token
    alpha_paths = [("get", f"/api/v1/programmes/{open_programme['draft'].pk}/"),
                   ("post", f"/api/v1/programmes/{open_programme['draft'].pk}/signups/"),
                   ("get", "/api/v1/programmes/signups/nope/"), ("post", "/api/v1/programmes/signups/nope/withdraw/"),
                   ("get", "/api/v1/programmes/offers/nope/"), ("post", "/api/v1/programmes/offers/nope/accept/")]
    beta_paths = [("get", f"/api/v1/programmes/{programme}/"), ("post", f"/api/v1/programmes/{programme}/signups/"),
                  ("get", f"/api/v1/programmes/signups/{token}/"),
                  ("post", f"/api/v1/programmes/signups/{token}/withdraw/"),
                  ("get", f"/api/v1/programmes/offers/{offer.token}/"),
                  ("post", f"/api/v1/programmes/offers/{offer.token}/accept/"),
                  ("post", f"/api/v1/programmes/offers/{offer.token}/decline/")]
    before = state(tenant_alpha, in_tenant), state(tenant_beta, in_tenant)

    # when / then
    for tenant, paths in ((tenant_alpha, alpha_paths), (tenant_beta, beta_paths)):
        client = client_for(tenant)
        for method, path in paths:
            response = client.get(path) if method == "get" else post(client, path, signup_body())
            assert response.status_code == 404, (tenant.slug, method, path, response.status_code)
    assert (state(tenant_alpha, in_tenant), state(tenant_beta, in_tenant)) == before
    assert client_for(tenant_beta).get("/api/v1/programmes/").json()["count"] == 0


def test_operator_details_are_not_in_the_public_status(client_for, tenant_alpha, open_programme):
    status = client_for(tenant_alpha).get(f"/api/v1/programmes/signups/{open_programme['taken'].token}/").json()
    assert set(status) == {"token", "status", "status_label", "participant", "programme", "group", "position",
                           "waiting_for", "explanation", "offer", "household", "created_at"}
    assert "status_reason" not in json.dumps(status) and "answers" not in status
