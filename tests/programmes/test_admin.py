"""Programmes in the back office: pages load, changes go through the services, the log and batch pages work."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from booking_core.programmes.models import AllocationLogEntry, Programme, ProgrammeGroup, SignUp
from tenants.admin_site import tenant_admin_site
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        programme = make_programme(min_group_size=2)
        group = make_group(programme, 2)
        signup = one(tenant_alpha, programme)
        batch = make_programme(allocation_mode="batch", slug="batch")
        make_group(batch, 1)
        one(tenant_alpha, batch), one(tenant_alpha, batch)
        Programme.objects.filter(pk=batch.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    return {"programme": programme, "group": group, "signup": signup, "batch": batch}


def test_every_programme_model_with_its_own_page_is_registered():
    registered = {model._meta.model_name for model in tenant_admin_site._registry
                  if model._meta.app_label == "programmes"}
    assert registered == {"programme", "programmegroup", "signup"}


def test_an_owner_sees_every_page(member_client, tenant_alpha, data):
    client = member_client(tenant_alpha, "alpha_owner")
    pages = [
        "/admin/programmes/programme/", "/admin/programmes/programme/add/",
        f"/admin/programmes/programme/{data['programme'].pk}/change/",
        f"/admin/programmes/programme/{data['programme'].pk}/log/",
        f"/admin/programmes/programme/{data['batch'].pk}/allocation/",
        "/admin/programmes/programmegroup/", "/admin/programmes/programmegroup/add/",
        f"/admin/programmes/programmegroup/{data['group'].pk}/change/",
        "/admin/programmes/signup/", "/admin/programmes/signup/add/",
        f"/admin/programmes/signup/{data['signup'].pk}/change/",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_the_log_page_shows_every_decision_with_its_rule(member_client, tenant_alpha, data):
    response = member_client(tenant_alpha, "alpha_owner").get(
        f"/admin/programmes/programme/{data['programme'].pk}/log/")
    assert b"fast_fill.first_open_group" in response.content
    assert b"1 entries" in response.content


def test_the_batch_page_previews_and_commits_what_it_showed(member_client, tenant_alpha, in_tenant, data):
    # given
    client = member_client(tenant_alpha, "alpha_owner")
    url = f"/admin/programmes/programme/{data['batch'].pk}/allocation/"
    preview = client.get(url)
    assert b"2 pending sign-ups: 1 would get a place" in preview.content
    fingerprint = preview.context["plan"].fingerprint

    # when
    response = client.post(url, {"fingerprint": fingerprint}, follow=True)

    # then
    assert b"Allocated: 1 placed, 1 waitlisted, 0 not allocated." in response.content
    with in_tenant(tenant_alpha):
        assert sorted(SignUp.objects.filter(programme=data["batch"]).values_list("status", flat=True)) == [
            "allocated", "waitlisted"]


def test_staff_members_are_refused_the_organisations_admin(member_client, tenant_alpha, in_tenant, data):
    # the admin is the owners' and admins' (tenants.permissions); staff use the back office
    client = member_client(tenant_alpha, "alpha_staff")
    assert client.post(f"/admin/programmes/programme/{data['batch'].pk}/allocation/", {}).status_code == 302
    assert client.get("/admin/programmes/programmegroup/add/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    with in_tenant(tenant_alpha):
        assert set(SignUp.objects.filter(programme=data["batch"]).values_list("status", flat=True)) == {"pending"}


def test_a_smaller_capacity_in_the_admin_goes_through_the_rules(member_client, tenant_alpha, in_tenant, data):
    # given: two sign-ups in a group of two
    with in_tenant(tenant_alpha):
        one(tenant_alpha, data["programme"])
    client = member_client(tenant_alpha, "alpha_owner")
    group = data["group"]

    # when
    response = client.post(f"/admin/programmes/programmegroup/{group.pk}/change/", {
        "name_en": "", "name_hu": "", "name_de": "", "weekday": 0, "start_time": "17:00", "duration_minutes": 60,
        "location": "", "capacity": 1, "position": 0}, follow=True)

    # then
    assert response.status_code == 200
    with in_tenant(tenant_alpha):
        assert ProgrammeGroup.objects.get(pk=group.pk).places_taken == 1
        assert AllocationLogEntry.objects.filter(programme=data["programme"], decision="waitlisted",
                                                 reason__startswith="after group.capacity_reduced").count() == 1


def test_managers_sign_someone_up_from_the_admin(member_client, tenant_alpha, in_tenant, data):
    client = member_client(tenant_alpha, "alpha_owner")
    response = client.post("/admin/programmes/signup/add/", {
        "programme": data["programme"].pk, "name": "Nagy Bence", "email": "bence@example.com",
        "attendee_name": "Kata", "sign_up_language": "hu", "ranked_groups": str(data["group"].pk)}, follow=True)
    assert response.status_code == 200
    with in_tenant(tenant_alpha):
        created = SignUp.objects.get(attendee_name="Kata")
        assert (created.status, created.group_id, created.language) == ("allocated", data["group"].pk, "hu")


def test_withdrawing_from_the_admin_frees_the_place(member_client, tenant_alpha, in_tenant, data):
    client = member_client(tenant_alpha, "alpha_owner")
    client.post("/admin/programmes/signup/", {"action": "withdraw", "_selected_action": [data["signup"].pk]})
    with in_tenant(tenant_alpha):
        assert SignUp.objects.get(pk=data["signup"].pk).status == "withdrawn"
        assert ProgrammeGroup.objects.get(pk=data["group"].pk).places_taken == 0


@pytest.mark.parametrize("ranked_groups", ["²", "1,²", "٣", "1.5", "-1"])
def test_ranked_groups_that_are_not_plain_ids_are_refused_next_to_the_field(member_client, tenant_alpha, in_tenant,
                                                                            data, ranked_groups):
    # given: "²" and "٣" are digits to str.isdigit() but not to int()
    client = member_client(tenant_alpha, "alpha_owner")

    # when
    response = client.post("/admin/programmes/signup/add/", {
        "programme": data["programme"].pk, "name": "Nagy Bence", "email": "bence@example.com",
        "attendee_name": "Kata", "sign_up_language": "hu", "ranked_groups": ranked_groups})

    # then: the form comes back with the refusal, nobody is signed up
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"ranked_groups": ["Use group ids separated by commas."]}
    with in_tenant(tenant_alpha):
        assert not SignUp.objects.filter(attendee_name="Kata").exists()
