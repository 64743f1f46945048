"""The back office's programme pages: groups and sign-ups, the batch allocation's preview and commit (exactly
what was shown), and the allocation log with the rule behind each decision. Managers only; another
organisation's programmes are 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from booking_core.models import AuditEntry
from booking_core.programmes.models import AllocationLogEntry, Programme, SignUp
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db

OWNER_EMAIL = "alpha_owner@example.com"


@pytest.fixture
def data(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        immediate = make_programme(min_group_size=2, slug="immediate")
        make_group(immediate, 2, name_en="Mondays")
        signup = one(tenant_alpha, immediate)
        batch = make_programme(allocation_mode="batch", slug="batch")
        make_group(batch, 1, name_en="Only group")
        one(tenant_alpha, batch), one(tenant_alpha, batch)
        Programme.objects.filter(pk=batch.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    return {"immediate": immediate, "batch": batch, "signup": signup}


def paths(data) -> list[str]:
    immediate, batch = data["immediate"].pk, data["batch"].pk
    return ["/office/programmes/", f"/office/programmes/{immediate}/",
            f"/office/programmes/{immediate}/?status=allocated",
            f"/office/programmes/{immediate}/log/", f"/office/programmes/{immediate}/log/?decision=allocated",
            f"/office/programmes/{immediate}/allocation/", f"/office/programmes/{batch}/allocation/"]


def test_every_page_renders_for_an_owner_and_is_refused_to_staff(owner, member_client, tenant_alpha, data):
    staff = member_client(tenant_alpha, "alpha_staff")
    for path in paths(data):
        assert owner.get(path).status_code == 200, path
        assert staff.get(path).status_code == 403, path
    assert staff.post(f"/office/programmes/{data['batch'].pk}/allocation/commit/", {}).status_code == 403


def test_the_programme_page_lists_groups_and_sign_ups(owner, data):
    html = owner.get(f"/office/programmes/{data['immediate'].pk}/").content.decode()
    assert "Mondays" in html and "1 / 2" in html and data["signup"].participant_name in html
    assert "fast_fill." in html  # the rule behind the sign-up's status


def test_the_log_shows_each_decision_with_its_rule(owner, data):
    response = owner.get(f"/office/programmes/{data['immediate'].pk}/log/")
    assert "fast_fill.first_open_group" in response.content.decode()
    assert response.context["page"].paginator.count == 1
    assert owner.get(f"/office/programmes/{data['immediate'].pk}/log/?decision=waitlisted").context[
        "page"].paginator.count == 0


def test_the_allocation_previews_and_commits_exactly_what_it_showed(owner, tenant_alpha, in_tenant, data):
    url = f"/office/programmes/{data['batch'].pk}/allocation/"
    preview = owner.get(url)
    assert "2 pending sign-ups: 1 would get a place" in preview.content.decode()
    fingerprint = preview.context["plan"].fingerprint
    # a stale preview is refused and nothing changes
    stale = owner.post(f"{url}commit/", {"fingerprint": "0" * 64}, follow=True)
    assert "preview" in stale.content.decode().lower()
    with in_tenant(tenant_alpha):
        assert set(SignUp.objects.filter(programme=data["batch"]).values_list("status", flat=True)) == {"pending"}
    connection.set_schema_to_public()
    committed = owner.post(f"{url}commit/", {"fingerprint": fingerprint}, follow=True)
    assert "Allocated: 1 placed, 1 on the waitlist, 0 not allocated." in committed.content.decode()
    with in_tenant(tenant_alpha):
        assert sorted(SignUp.objects.filter(programme=data["batch"]).values_list("status", flat=True)) == [
            "allocated", "waitlisted"]
        decided = AllocationLogEntry.objects.filter(programme=data["batch"], run__isnull=False)
        assert decided.count() == 2
        assert set(decided.values_list("actor_label", flat=True)) == {"alpha_owner@example.com"}


def test_another_tenants_programme_is_not_found(owner, tenant_beta, in_tenant, data):
    with in_tenant(tenant_beta):
        theirs = make_programme(slug="beta-only")
        while theirs.pk in (data["immediate"].pk, data["batch"].pk):
            theirs = make_programme()
    connection.set_schema_to_public()
    for path in (f"/office/programmes/{theirs.pk}/", f"/office/programmes/{theirs.pk}/log/",
                 f"/office/programmes/{theirs.pk}/allocation/"):
        assert owner.get(path).status_code == 404, path
    assert owner.post(f"/office/programmes/{theirs.pk}/allocation/commit/", {}).status_code == 404


def test_a_groups_capacity_is_changed_and_a_refusal_shows_next_to_the_field(owner, tenant_alpha, in_tenant, data):
    with in_tenant(tenant_alpha):
        group = data["immediate"].groups.get()
    connection.set_schema_to_public()
    url = f"/office/programmes/{data['immediate'].pk}/groups/{group.pk}/capacity/"
    refused = owner.post(url, {f"g{group.pk}-capacity": 0})
    assert refused.status_code == 400
    [shown] = [g for g in refused.context["groups"] if g.pk == group.pk]
    assert "capacity" in shown.capacity_form.errors and "field--error" in refused.content.decode()
    assert owner.post(url, {f"g{group.pk}-capacity": 5}).status_code == 302
    with in_tenant(tenant_alpha):
        assert type(group).objects.get(pk=group.pk).capacity == 5
        assert AuditEntry.objects.get(action="programme_group.capacity_changed").actor_label == OWNER_EMAIL


def test_cancelling_a_group_tells_its_participants(owner, tenant_alpha, in_tenant, data):
    with in_tenant(tenant_alpha):
        group = data["immediate"].groups.get()
    connection.set_schema_to_public()
    url = f"/office/programmes/{data['immediate'].pk}/groups/{group.pk}/cancel/"
    assert owner.post(url, {f"g{group.pk}-reason": ""}).status_code == 400
    assert owner.post(url, {f"g{group.pk}-reason": "The pool is closed"}).status_code == 302
    with in_tenant(tenant_alpha):
        assert type(group).objects.get(pk=group.pk).is_cancelled
        signup = SignUp.objects.get(pk=data["signup"].pk)
        assert signup.status == "not_allocated" and "group.cancelled" in signup.status_reason
        assert OutboxMessage.objects.filter(recipient=signup.client.email).exclude(
            event_type__contains="received").exists()
    assert owner.post(f"/office/programmes/{data['immediate'].pk}/groups/{group.pk}/explode/").status_code == 404
    assert owner.post(f"/office/programmes/{data['batch'].pk}/groups/{group.pk}/cancel/").status_code == 404
