"""The root admin changes organisations, domains and memberships through tenants.services: the rules that refuse
an edit elsewhere refuse it here (as errors on the form, nothing changed), every change is in the platform
audit log, and a domain added here answers at once (the cached host names are forgotten)."""

import pytest
from django.conf import settings

from tenants import resolution
from tenants.models import Domain, Membership, PlatformAuditEntry, Tenant
from tests.support.admin_forms import admin_form_data, inline_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_client):
    return staff_client()


def _latest_audit():
    return PlatformAuditEntry.objects.latest("id")


def _tenant_page(staff, tenant):
    url = f"/admin/tenants/tenant/{tenant.pk}/change/"
    return url, admin_form_data(staff.get(url))


def test_a_domain_added_in_the_admin_resolves_at_once_and_is_audited(staff, tenant_alpha, user):
    # given a host name nobody serves, already asked for (so the answer "nobody" is cached)
    host = "bookings.alpha-studio.example"
    assert resolution.tenant_for_host(host) is None
    url, data = _tenant_page(staff, tenant_alpha)

    # when platform staff add it to Alpha in the admin
    response = staff.post(url, inline_rows(data, "domains", [{"domain": "Bookings.Alpha-Studio.example."}]))

    # then it serves Alpha straight away, as domain_add stored it, and the audit log names who added it
    assert response.status_code == 302, response.content.decode()[:3000]
    assert resolution.tenant_for_host(host) == tenant_alpha
    entry = _latest_audit()
    assert (entry.action, entry.object_label, entry.actor_label, entry.tenant_id) == (
        "domain.added", host, user("platform_staff").email, tenant_alpha.pk)
    assert entry.changes["domain"] == [None, host]


def test_a_domain_another_organisation_has_is_refused_and_nothing_changes(staff, tenant_alpha, tenant_beta):
    # given Beta's domain
    taken = f"beta.{settings.ALLOT_ROOT_DOMAIN}"
    audited = PlatformAuditEntry.objects.count()
    url, data = _tenant_page(staff, tenant_alpha)
    data["display_name"] = "Alpha Renamed"

    # when staff try to give it to Alpha
    response = staff.post(url, inline_rows(data, "domains", [{"domain": taken}]))

    # then the row shows why, Alpha keeps its name and Beta its domain, and the log is unchanged
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Tenant.objects.get(pk=tenant_alpha.pk).display_name == "Alpha Studio"
    assert Domain.objects.get(domain=taken).tenant_id == tenant_beta.pk
    assert PlatformAuditEntry.objects.count() == audited


def test_the_primary_domain_cannot_be_deleted_in_the_admin(staff, tenant_alpha):
    # given Alpha's only (primary) domain
    primary = Domain.objects.get(tenant=tenant_alpha, is_primary=True)
    url, data = _tenant_page(staff, tenant_alpha)
    index = next(key.split("-")[1] for key, value in data.items()
                 if key.startswith("domains-") and key.endswith("-id") and value == str(primary.pk))

    # when staff tick "delete" on it
    data[f"domains-{index}-DELETE"] = "on"
    response = staff.post(url, data)

    # then the service's reason is on the page and the domain stays
    assert response.status_code == 200
    assert "The primary domain cannot be removed" in response.content.decode()
    assert Domain.objects.filter(pk=primary.pk).exists()


def test_an_organisation_edit_goes_through_the_service_and_is_audited(staff, tenant_alpha, user):
    url, data = _tenant_page(staff, tenant_alpha)
    data["display_name"] = "Alpha Studio Budapest"

    response = staff.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = _latest_audit()
    assert (entry.action, entry.object_id, entry.changes) == (
        "tenant.updated", tenant_alpha.pk, {"display_name": ["Alpha Studio", "Alpha Studio Budapest"]})


def test_an_invalid_organisation_edit_is_refused_on_the_form(staff, tenant_alpha):
    # given Alpha's page; when its default language is one it has not enabled
    url, data = _tenant_page(staff, tenant_alpha)
    data.update({"enabled_languages": "en", "default_language": "de"})
    audited = PlatformAuditEntry.objects.count()

    response = staff.post(url, data)

    # then the form says so and nothing changed
    assert response.status_code == 200
    assert "The default language must be one of the enabled ones." in response.content.decode()
    assert Tenant.objects.get(pk=tenant_alpha.pk).default_language == "en"
    assert PlatformAuditEntry.objects.count() == audited


def test_memberships_added_and_removed_in_the_admin_are_audited(staff, tenant_alpha, user):
    # given a user with no role at Alpha
    outsider = user("outsider")
    url, data = _tenant_page(staff, tenant_alpha)

    # when staff add them as staff
    response = staff.post(url, inline_rows(data, "memberships", [{"user": str(outsider.pk), "role": "staff"}]))

    # then they are a member, and the log says who did it
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = Membership.objects.get(tenant=tenant_alpha, user=outsider)
    assert (_latest_audit().action, _latest_audit().object_id) == ("membership.added", membership.pk)

    # and removing them from the membership list is audited too
    response = staff.post(f"/admin/tenants/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert (_latest_audit().action, _latest_audit().object_id) == ("membership.removed", membership.pk)


def test_the_last_owner_cannot_be_removed_in_the_admin(staff, tenant_alpha, user):
    owner = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_owner"))

    response = staff.post(f"/admin/tenants/membership/{owner.pk}/delete/", {"post": "yes"}, follow=True)

    assert "An organisation keeps at least one owner." in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_suspending_in_the_admin_is_audited_and_organisations_cannot_be_deleted(staff, tenant_alpha):
    response = staff.post("/admin/tenants/tenant/", {"action": "suspend", "_selected_action": [tenant_alpha.pk]})

    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_alpha.pk).status == "suspended"
    assert (_latest_audit().action, _latest_audit().changes) == ("tenant.updated",
                                                                 {"status": ["active", "suspended"]})
    assert staff.get(f"/admin/tenants/tenant/{tenant_alpha.pk}/delete/").status_code == 403


def test_the_platform_audit_log_is_read_only(staff):
    assert staff.get("/admin/tenants/platformauditentry/").status_code == 200
    assert staff.get("/admin/tenants/platformauditentry/add/").status_code == 403


def test_the_primary_domain_cannot_be_unmarked_in_the_admin(staff, tenant_alpha):
    primary = Domain.objects.get(tenant=tenant_alpha, is_primary=True)

    response = staff.post(f"/admin/tenants/domain/{primary.pk}/change/", {"domain": primary.domain})

    assert response.status_code == 200
    assert "An organisation keeps a primary domain" in response.content.decode()
    assert Domain.objects.get(pk=primary.pk).is_primary


def test_the_last_owner_cannot_be_made_staff_in_the_admin(staff, tenant_alpha, user):
    owner = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_owner"))

    response = staff.post(f"/admin/tenants/membership/{owner.pk}/change/", {"role": "staff"})

    assert response.status_code == 200
    assert "An organisation keeps at least one owner." in response.content.decode()
    assert Membership.objects.get(pk=owner.pk).role == "owner"


def test_deleting_domains_from_the_list_goes_through_the_service(staff, tenant_alpha):
    # given Alpha's primary domain and a second one
    from tenants.services import domain_add

    primary = Domain.objects.get(tenant=tenant_alpha, is_primary=True)
    extra = domain_add(tenant=tenant_alpha, domain="extra.alpha.example")

    # when both are deleted with the list's "delete selected" action
    response = staff.post("/admin/tenants/domain/", {"action": "delete_selected", "post": "yes",
                                                      "_selected_action": [primary.pk, extra.pk]}, follow=True)

    # then the extra one is gone (audited), the primary one stays with the service's reason
    assert "The primary domain cannot be removed" in response.content.decode()
    assert list(Domain.objects.filter(pk__in=[primary.pk, extra.pk])) == [primary]
    assert (_latest_audit().action, _latest_audit().object_id) == ("domain.removed", extra.pk)
