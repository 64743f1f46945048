"""Who may enter which admin: tenant members on their tenant, platform staff (with a second factor) on the
root domain. Signing in itself is tested in test_sign_in.py."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_member_enters_their_tenants_admin(member_client, tenant_alpha):
    # given
    client = member_client(tenant_alpha, "alpha_owner")
    # when
    index = client.get("/admin/")
    # then
    assert index.status_code == 200
    assert b"Alpha Studio" in index.content


def test_a_member_of_tenant_a_is_refused_tenant_bs_admin(client_for, user, tenant_beta):
    # given: a session of alpha's owner made on beta's host (by hand: beta's sign-in refuses non-members)
    from tests.conftest import signed_in

    client = signed_in(client_for(tenant_beta, HTTP_ACCEPT_LANGUAGE="en"), user("alpha_owner"), tenant_beta.schema_name)
    # when
    index = client.get("/admin/")
    refusal = client.get("/admin/login/?next=/admin/")
    # then
    assert index.status_code == 302
    assert refusal.status_code == 403
    assert "This account is not a member of this organisation." in refusal.content.decode()


def test_platform_staff_enter_the_root_admin(staff_client):
    client = staff_client()
    page = client.get("/admin/tenants/tenant/")
    assert page.status_code == 200
    assert b"Alpha Studio" in page.content and b"Beta Schwimmschule" in page.content


def test_owners_get_model_rights_in_their_admin_and_staff_members_none(tenant_alpha, user, in_tenant):

    with in_tenant(tenant_alpha):
        owner, staff = user("alpha_owner"), user("alpha_staff")
        assert owner.has_perm("booking_core.change_service")
        assert not staff.has_perm("booking_core.view_service")
        assert not staff.has_perm("booking_core.change_service")
        assert not staff.has_perm("booking_core.delete_booking")
        assert not staff.has_perm("booking_core.view_booking")
        assert not staff.has_module_perms("booking_core")
    with in_tenant(tenant_alpha):
        assert not user("beta_owner").has_perm("booking_core.view_service")
