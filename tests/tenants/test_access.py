"""Who may enter which admin: tenant members on their tenant, platform staff on the root domain."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def admin_login(client, email: str):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})


def test_a_member_enters_their_tenants_admin(client_for, tenant_alpha):
    # given
    client = client_for(tenant_alpha)
    # when
    response = admin_login(client, "alpha_owner@example.com")
    # then
    assert response.status_code == 302 and response.url == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"Alpha Studio" in index.content


def test_a_member_of_tenant_a_cannot_log_in_to_tenant_b(client_for, tenant_beta):
    # given
    client = client_for(tenant_beta)
    # when
    response = admin_login(client, "alpha_owner@example.com")
    # then: the form refuses, and nothing is accessible
    assert response.status_code == 200
    assert b"not a member of this organisation" in response.content
    assert client.get("/admin/").status_code == 302


def test_a_session_made_on_tenant_a_is_not_a_login_on_tenant_b(client_for, tenant_alpha, tenant_beta):
    # given: logged in on alpha; the test client sends its cookies to every host, like a copied cookie
    client = client_for(tenant_alpha)
    admin_login(client, "alpha_owner@example.com")
    # when
    response = client.get("/admin/", HTTP_HOST="beta.localhost")
    # then
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_session_cookies_are_host_only(client_for, tenant_alpha):
    # when
    client = client_for(tenant_alpha)
    admin_login(client, "alpha_owner@example.com")
    # then: no Domain attribute, so browsers keep the cookie to alpha's host
    assert client.cookies["sessionid"]["domain"] == ""
    assert client.cookies["csrftoken"]["domain"] == ""


def test_platform_staff_who_are_not_members_cannot_enter_a_tenants_admin(client_for, tenant_alpha):
    client = client_for(tenant_alpha)
    response = admin_login(client, "platform_staff@example.com")
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_platform_staff_enter_the_root_admin(client_for):
    client = client_for(None)
    response = admin_login(client, "platform_staff@example.com")
    assert response.status_code == 302
    page = client.get("/admin/tenants/tenant/")
    assert page.status_code == 200
    assert b"Alpha Studio" in page.content and b"Beta Schwimmschule" in page.content


def test_tenant_owners_cannot_enter_the_root_admin(client_for):
    client = client_for(None)
    response = admin_login(client, "alpha_owner@example.com")
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_staff_members_get_view_rights_but_owners_get_change_rights(tenant_alpha, user, in_tenant):

    with in_tenant(tenant_alpha):
        owner, staff = user("alpha_owner"), user("alpha_staff")
        assert owner.has_perm("booking_core.change_service")
        assert staff.has_perm("booking_core.view_service")
        assert not staff.has_perm("booking_core.change_service")
        assert not staff.has_perm("booking_core.delete_booking")
        assert staff.has_perm("booking_core.change_booking")
    with in_tenant(tenant_alpha):
        assert not user("beta_owner").has_perm("booking_core.view_service")
