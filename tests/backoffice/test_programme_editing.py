"""Creating and editing programmes and their groups in the back office (no Django admin needed): through the
programme services, audited with the member; bad input is refused next to its field and changes nothing; staff
are refused (403); another organisation's ids are 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from booking_core.models import AuditEntry
from booking_core.programmes.models import Programme, ProgrammeGroup
from tests.backoffice.clock import BUDAPEST
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.django_db

OWNER_EMAIL = "alpha_owner@example.com"

VALID = {
    "slug": "swimming-december", "name_en": "Swimming in December", "name_hu": "Úszás decemberben", "name_de": "",
    "description_en": "", "description_hu": "", "description_de": "",
    "period_start": "2026-12-01", "period_end": "2026-12-31",
    "signup_opens_at": "2026-11-01T10:00", "signup_closes_at": "2026-11-20T18:00",
    "price_amount": "12000", "price_currency": "HUF", "strategy": "balanced", "allocation_mode": "batch",
    "order_mode": "arrival", "batch_runs_at_close": "on", "min_group_size": "2", "offer_auto_send": "inherit",
    "offer_validity_hours": "48", "is_published": "on",
}
GROUP = {"name_en": "Mondays", "name_hu": "", "name_de": "", "weekday": "0", "start_time": "17:00",
         "duration_minutes": "45", "location": "Pool A", "capacity": "8", "position": "1"}


@pytest.fixture
def existing(tenant_alpha, in_tenant):
    """An immediate programme with a group and one participant placed in it, and an empty batch programme."""
    with in_tenant(tenant_alpha):
        placed = make_programme(slug="placed", name_en="Placed")
        group = make_group(placed, 4, name_en="Tuesdays", weekday=1)
        one(tenant_alpha, placed, [group.pk])
        empty = make_programme(slug="empty", name_en="Empty", allocation_mode="batch")
    connection.set_schema_to_public()
    return {"placed": placed, "group": group, "empty": empty}


def _programmes(tenant, in_tenant):
    with in_tenant(tenant):
        return (sorted(Programme.objects.values_list("slug", "name_en", "strategy", "period_end", "signup_closes_at")),
                sorted(ProgrammeGroup.objects.values_list("pk", "name_en", "weekday", "start_time", "capacity")),
                AuditEntry.objects.count())


def _audit(tenant, in_tenant, action):
    with in_tenant(tenant):
        return list(AuditEntry.objects.filter(action=action).values_list("actor_label", flat=True))


# --- programmes ----------------------------------------------------------------------------------------------


def test_an_owner_creates_a_programme_with_its_window_in_the_organisations_zone(owner, tenant_alpha, in_tenant):
    # when
    response = owner.post("/office/programmes/new/", VALID)
    # then
    with in_tenant(tenant_alpha):
        programme = Programme.objects.get(slug="swimming-december")
    assert response.status_code == 302 and response["Location"] == f"/office/programmes/{programme.pk}/"
    assert (programme.name_en, programme.strategy, programme.allocation_mode, programme.price_amount,
            programme.price_currency, programme.min_group_size) == (
        "Swimming in December", "balanced", "batch", 12000, "HUF", 2)
    assert programme.signup_opens_at == dt.datetime(2026, 11, 1, 10, 0, tzinfo=BUDAPEST)
    assert programme.signup_closes_at == dt.datetime(2026, 11, 20, 18, 0, tzinfo=BUDAPEST)
    assert _audit(tenant_alpha, in_tenant, "programme.created") == [OWNER_EMAIL]


@pytest.mark.parametrize(("changes", "field"), [
    ({"name_en": "", "name_hu": ""}, "name_en"),
    ({"period_end": "2026-11-30"}, "period_end"),
    ({"signup_closes_at": "2026-10-01T10:00"}, "signup_closes_at"),
    ({"signup_opens_at": "soon"}, "signup_opens_at"),
    ({"strategy": "random"}, "strategy"),
    ({"price_amount": "-5"}, "price_amount"),
    ({"slug": "placed"}, "slug"),
])
def test_a_bad_new_programme_is_refused_next_to_the_field_and_nothing_is_created(owner, tenant_alpha, in_tenant,
                                                                                 existing, changes, field):
    before = _programmes(tenant_alpha, in_tenant)
    response = owner.post("/office/programmes/new/", {**VALID, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert _programmes(tenant_alpha, in_tenant) == before


def test_an_owner_edits_a_programme_and_the_change_is_audited(owner, tenant_alpha, in_tenant, existing):
    empty = existing["empty"]
    page = owner.get(f"/office/programmes/{empty.pk}/edit/")
    assert page.status_code == 200 and 'value="Empty"' in page.content.decode()
    data = {**_edit_data(owner, empty), "name_en": "Swimming, December", "strategy": "balanced",
            "signup_opens_at": "2026-06-01T08:00", "signup_closes_at": "2026-06-20T20:00"}
    response = owner.post(f"/office/programmes/{empty.pk}/edit/", data)
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        empty.refresh_from_db()
    assert (empty.name_en, empty.strategy) == ("Swimming, December", "balanced")
    assert empty.signup_closes_at == dt.datetime(2026, 6, 20, 20, 0, tzinfo=BUDAPEST)
    assert _audit(tenant_alpha, in_tenant, "programme.updated") == [OWNER_EMAIL]


def _edit_data(owner, programme) -> dict:
    form = owner.get(f"/office/programmes/{programme.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    for name in ("signup_opens_at", "signup_closes_at"):
        data[name] = data[name].astimezone(BUDAPEST).strftime("%Y-%m-%dT%H:%M")
    return {name: ("on" if value is True else value) for name, value in data.items()
            if value not in (None, False)}


def test_the_strategy_cannot_change_once_places_are_allocated_and_nothing_changes(owner, tenant_alpha, in_tenant,
                                                                                  existing):
    placed = existing["placed"]
    before = _programmes(tenant_alpha, in_tenant)
    response = owner.post(f"/office/programmes/{placed.pk}/edit/", {**_edit_data(owner, placed),
                                                                     "strategy": "balanced", "name_en": "Renamed"})
    assert response.status_code == 400
    assert response.context["form"].errors["strategy"] == ["Frozen after allocation."]
    assert _programmes(tenant_alpha, in_tenant) == before


def test_a_bad_edit_is_refused_next_to_the_field_and_changes_nothing(owner, tenant_alpha, in_tenant, existing):
    empty = existing["empty"]
    before = _programmes(tenant_alpha, in_tenant)
    response = owner.post(f"/office/programmes/{empty.pk}/edit/", {**_edit_data(owner, empty),
                                                                    "period_end": "2026-01-01"})
    assert response.status_code == 400
    assert "period_end" in response.context["form"].errors
    assert _programmes(tenant_alpha, in_tenant) == before


# --- groups --------------------------------------------------------------------------------------------------


def test_an_owner_adds_a_group_with_its_sessions(owner, tenant_alpha, in_tenant, existing):
    empty = existing["empty"]
    response = owner.post(f"/office/programmes/{empty.pk}/groups/new/", GROUP)
    assert response.status_code == 302 and response["Location"] == f"/office/programmes/{empty.pk}/"
    with in_tenant(tenant_alpha):
        group = ProgrammeGroup.objects.get(programme=empty)
        assert (group.name_en, group.weekday, group.start_time, group.duration_minutes, group.capacity) == (
            "Mondays", 0, dt.time(17), 45, 8)
        assert group.sessions.count() == 4  # the Mondays of December 2026
    assert _audit(tenant_alpha, in_tenant, "programme_group.created") == [OWNER_EMAIL]
    assert "Mondays" in owner.get(f"/office/programmes/{empty.pk}/").content.decode()


@pytest.mark.parametrize(("changes", "field"), [
    ({"capacity": "0"}, "capacity"), ({"weekday": "9"}, "weekday"), ({"start_time": "25:00"}, "start_time"),
    ({"duration_minutes": "2"}, "duration_minutes"),
])
def test_a_bad_new_group_is_refused_next_to_the_field_and_nothing_is_created(owner, tenant_alpha, in_tenant,
                                                                             existing, changes, field):
    before = _programmes(tenant_alpha, in_tenant)
    response = owner.post(f"/office/programmes/{existing['empty'].pk}/groups/new/", {**GROUP, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _programmes(tenant_alpha, in_tenant) == before


def test_an_owner_reschedules_a_group_and_its_participants_are_told(owner, tenant_alpha, in_tenant, existing):
    placed, group = existing["placed"], existing["group"]
    url = f"/office/programmes/{placed.pk}/groups/{group.pk}/"
    page = owner.get(url)
    assert page.status_code == 200 and "capacity" not in page.context["form"].fields
    data = {**GROUP, "name_en": "Tuesdays late", "weekday": "1", "start_time": "18:30"}
    del data["capacity"]
    response = owner.post(url, data)
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        group.refresh_from_db()
        assert (group.name_en, group.start_time, group.capacity) == ("Tuesdays late", dt.time(18, 30), 4)
    assert _audit(tenant_alpha, in_tenant, "programme_group.updated") == [OWNER_EMAIL]


def test_a_bad_group_edit_changes_nothing(owner, tenant_alpha, in_tenant, existing):
    placed, group = existing["placed"], existing["group"]
    before = _programmes(tenant_alpha, in_tenant)
    response = owner.post(f"/office/programmes/{placed.pk}/groups/{group.pk}/", {**GROUP, "weekday": "7"})
    assert response.status_code == 400 and "weekday" in response.context["form"].errors
    assert _programmes(tenant_alpha, in_tenant) == before


# --- roles and other organisations -----------------------------------------------------------------------------


def _paths(existing) -> list[tuple[str, dict | None]]:
    placed, group = existing["placed"].pk, existing["group"].pk
    return [("/office/programmes/new/", None), ("/office/programmes/new/", VALID),
            (f"/office/programmes/{placed}/edit/", None),
            (f"/office/programmes/{placed}/edit/", {**VALID, "slug": "placed"}),
            (f"/office/programmes/{placed}/groups/new/", None), (f"/office/programmes/{placed}/groups/new/", GROUP),
            (f"/office/programmes/{placed}/groups/{group}/", None),
            (f"/office/programmes/{placed}/groups/{group}/", GROUP)]


def test_staff_members_are_refused_and_nothing_changes(member_client, tenant_alpha, in_tenant, existing):
    staff = member_client(tenant_alpha, "alpha_staff")
    before = _programmes(tenant_alpha, in_tenant)
    for path, data in _paths(existing):
        response = staff.get(path) if data is None else staff.post(path, data)
        assert response.status_code == 403, path
    assert _programmes(tenant_alpha, in_tenant) == before


def test_another_organisations_programme_and_group_ids_are_404s_and_nothing_changes(member_client, tenant_alpha,
                                                                                   tenant_beta, in_tenant, existing):
    beta = member_client(tenant_beta, "beta_owner")
    before = _programmes(tenant_alpha, in_tenant), _programmes(tenant_beta, in_tenant)
    for path, data in _paths(existing):
        if path == "/office/programmes/new/":
            continue
        response = beta.get(path) if data is None else beta.post(path, data)
        assert response.status_code == 404, path
    assert (_programmes(tenant_alpha, in_tenant), _programmes(tenant_beta, in_tenant)) == before


def test_the_programme_pages_link_to_the_editing_pages(owner, existing):
    placed, group = existing["placed"].pk, existing["group"].pk
    listing = owner.get("/office/programmes/").content.decode()
    assert 'href="/office/programmes/new/"' in listing and f'href="/office/programmes/{placed}/edit/"' in listing
    page = owner.get(f"/office/programmes/{placed}/").content.decode()
    assert f'href="/office/programmes/{placed}/groups/new/"' in page
    assert f'href="/office/programmes/{placed}/groups/{group}/"' in page
    for tab in ("allocation/", "log/"):
        html = owner.get(f"/office/programmes/{placed}/{tab}").content.decode()
        assert f'href="/office/programmes/{placed}/edit/"' in html
