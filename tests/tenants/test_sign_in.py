"""Signing in: always through allauth, with the second factor for whoever has one, staff's second factor
required on the root domain, sign-up closed, and attempts limited per address and per account."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import RequestFactory

from tenants.accounts import AccountAdapter, organisation_signup_open
from tenants.models import Membership
from tenants.services import membership_add
from tests.conftest import PASSWORD
from tests.support.sign_in import (
    LOGIN_URL,
    SECOND_FACTOR_URL,
    TOTP_ACTIVATION_URL,
    FrozenClock,
    forget_sign_in_limits,
    give_totp,
    password_step,
    second_factor_step,
)

pytestmark = pytest.mark.django_db

BOTH_SIDES = pytest.mark.parametrize("side", ["root", "tenant"])


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    forget_sign_in_limits()
    yield FrozenClock(monkeypatch)
    forget_sign_in_limits()


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def admin_is_open(client) -> bool:
    return client.get("/admin/").status_code == 200


def person(side: str, user, tenant_alpha):
    """Who signs in on this side: platform staff on the root domain, alpha's owner on alpha's host."""
    if side == "root":
        return None, user("platform_staff")
    return tenant_alpha, user("alpha_owner")


# --- the admin's login is allauth's -------------------------------------------------------------------------


@BOTH_SIDES
def test_the_admins_login_page_sends_visitors_to_allauths_sign_in_and_back(side, client_for, tenant_alpha, user):
    # given
    tenant, _someone = person(side, user, tenant_alpha)
    client = client_for(tenant)
    # when
    to_admin_login = client.get("/admin/tenants/")
    to_sign_in = client.get(to_admin_login["Location"])
    # then
    assert to_admin_login.status_code == 302 and to_admin_login["Location"] == "/admin/login/?next=/admin/tenants/"
    assert to_sign_in.status_code == 302 and to_sign_in["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2Ftenants%2F"
    page = client.get(to_sign_in["Location"])
    assert page.status_code == 200
    assert b'<input type="hidden" name="next" value="/admin/tenants/">' in page.content


@BOTH_SIDES
def test_the_admins_login_page_takes_no_password(side, client_for, tenant_alpha, user):
    # given
    tenant, someone = person(side, user, tenant_alpha)
    client = client_for(tenant)
    # when: Django's admin login form, as before
    response = client.post("/admin/login/?next=/admin/", {"username": someone.email, "password": PASSWORD})
    # then: sent to allauth's sign-in, signed in as nobody
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    assert signed_in_user_id(client) is None
    assert not admin_is_open(client)


def test_the_admins_login_page_sends_a_signed_in_member_where_they_were_going_but_never_off_site(
        member_client, tenant_alpha):
    client = member_client(tenant_alpha, "alpha_owner")
    assert client.get("/admin/login/?next=/admin/booking_core/").headers["Location"] == "/admin/booking_core/"
    assert client.get("/admin/login/?next=https://evil.example/").headers["Location"] == "/admin/"


@BOTH_SIDES
def test_someone_with_an_authenticator_is_asked_for_a_code_before_the_admin(side, client_for, tenant_alpha, user,
                                                                             clock):
    # given
    tenant, someone = person(side, user, tenant_alpha)
    give_totp(someone)
    client = client_for(tenant)
    # when: the right password
    after_password = password_step(client, someone.email)
    # then: the code is asked for, and nothing is open yet
    assert after_password.status_code == 302 and after_password["Location"] == SECOND_FACTOR_URL
    assert signed_in_user_id(client) is None
    assert not admin_is_open(client)

    # when: a wrong code
    wrong = second_factor_step(client, clock.totp_code(periods_later=7))
    # then
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()
    assert signed_in_user_id(client) is None
    assert not admin_is_open(client)

    # when: the authenticator's code
    right = second_factor_step(client, clock.totp_code())
    # then
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(someone.pk)
    assert admin_is_open(client)


def test_a_code_counts_once_on_every_host(client_for, tenant_alpha, tenant_beta, user, clock):
    # given: alpha's owner is also on beta's team, and signed in on alpha with the current code
    owner = user("alpha_owner")
    membership_add(tenant=tenant_beta, user=owner, role=Membership.Role.ADMIN)
    give_totp(owner)
    on_alpha = client_for(tenant_alpha)
    password_step(on_alpha, owner.email)
    assert second_factor_step(on_alpha, clock.totp_code()).status_code == 302
    # when: someone who saw that code uses it on beta's host (with the password) in the same 30 seconds
    on_beta = client_for(tenant_beta, HTTP_ACCEPT_LANGUAGE="en")
    password_step(on_beta, owner.email)
    replay = second_factor_step(on_beta, clock.totp_code())
    # then
    assert replay.status_code == 200 and "Incorrect code." in replay.content.decode()
    assert signed_in_user_id(on_beta) is None


def test_second_factor_codes_cannot_be_guessed(client_for, tenant_alpha, user, clock):
    # given
    owner = user("alpha_owner")
    give_totp(owner)
    client = client_for(tenant_alpha)
    password_step(client, owner.email)
    for attempt in range(5):
        wrong = second_factor_step(client, clock.totp_code(periods_later=attempt + 3))
        assert "Incorrect code." in wrong.content.decode(), attempt
    # when: the sixth code, the right one
    sixth = second_factor_step(client, clock.totp_code())
    # then
    assert sixth.status_code == 200
    assert "Too many failed login attempts. Try again later." in sixth.content.decode()
    assert signed_in_user_id(client) is None
    # and five minutes later the right code works
    clock.advance(5 * 60)
    assert second_factor_step(client, clock.totp_code()).status_code == 302
    assert signed_in_user_id(client) == str(owner.pk)


# --- platform staff must have a second factor ---------------------------------------------------------------


def test_platform_staff_without_an_authenticator_are_sent_to_set_one_up(client_for, user, clock):
    # given: staff without an authenticator, signed in with their password
    staff = user("platform_staff")
    client = client_for(None)
    assert password_step(client, staff.email)["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(staff.pk)
    # when
    admin = client.get("/admin/")
    admin_login = client.get(admin["Location"])
    # then: no admin page, but the authenticator set-up
    assert admin.status_code == 302
    assert admin_login.status_code == 302 and admin_login["Location"] == TOTP_ACTIVATION_URL
    assert client.get("/admin/tenants/tenant/").status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302

    # when: they confirm their password and set up the authenticator
    assert client.get(TOTP_ACTIVATION_URL)["Location"].startswith("/accounts/reauthenticate/")
    client.post(f"/accounts/reauthenticate/?next={TOTP_ACTIVATION_URL}", {"password": PASSWORD})
    assert client.get(TOTP_ACTIVATION_URL).status_code == 200
    activated = client.post(TOTP_ACTIVATION_URL, {"code": clock.totp_code(client.session["mfa.totp.secret"])})
    # then: their recovery codes, with the way back to where they were going, and the admin is open
    assert activated.status_code == 302 and activated["Location"] == "/accounts/2fa/recovery-codes/"
    codes_page = client.get(activated["Location"]).content.decode()
    assert '<a class="button" href="/admin/">Continue</a>' in codes_page
    assert admin_is_open(client)
    assert client.get("/admin/tenants/tenant/").status_code == 200


def test_a_tenant_owner_signed_in_on_the_root_domain_is_refused_the_root_admin(client_for, user):
    # given
    client = client_for(None)
    assert password_step(client, "alpha_owner@example.com").status_code == 302
    # when
    refusal = client.get("/admin/login/?next=/admin/")
    # then
    assert refusal.status_code == 403
    assert "This account has no access here." in refusal.content.decode()
    assert client.get("/admin/").status_code == 302


# --- who may sign in where -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["alpha_owner@example.com", "platform_staff@example.com"])
def test_only_members_sign_in_on_a_tenants_host(email, client_for, tenant_beta):
    # given
    client = client_for(tenant_beta, HTTP_ACCEPT_LANGUAGE="en")
    # when: the right password of someone who is not on beta's team
    response = password_step(client, email)
    # then
    assert response.status_code == 200
    assert "This account is not a member of this organisation." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_member_signs_in_on_their_tenants_host_and_enters_its_admin(client_for, tenant_alpha):
    # given: an owner (the organisation's admin is for owners and admins; staff members use /office/)
    client = client_for(tenant_alpha)
    # when
    response = password_step(client, "alpha_owner@example.com")
    # then
    assert response.status_code == 302 and response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200 and b"Alpha Studio" in index.content


def test_a_session_made_on_tenant_a_is_not_a_sign_in_on_tenant_b(client_for, tenant_alpha, tenant_beta):
    # given: signed in on alpha; the test client sends its cookies to every host, like a copied cookie
    client = client_for(tenant_alpha)
    password_step(client, "alpha_owner@example.com")
    assert admin_is_open(client)
    # when
    response = client.get("/admin/", HTTP_HOST="beta.localhost")
    # then
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert signed_in_user_id(client) is None


def test_session_cookies_are_host_only(client_for, tenant_alpha):
    # when
    client = client_for(tenant_alpha)
    password_step(client, "alpha_owner@example.com")
    # then: no Domain attribute, so browsers keep the cookie to alpha's host
    assert client.cookies["sessionid"]["domain"] == ""
    assert client.cookies["csrftoken"]["domain"] == ""


# --- sign-up ---------------------------------------------------------------------------------------------------


@BOTH_SIDES
def test_allauths_sign_up_is_closed(side, client_for, tenant_alpha):
    # given
    client = client_for(tenant_alpha if side == "tenant" else None)
    users_before = get_user_model().objects.count()
    # when
    page = client.get("/accounts/signup/")
    sent = client.post("/accounts/signup/", {"email": "newcomer@example.com", "password1": "a-long-new-passw0rd",
                                             "password2": "a-long-new-passw0rd"})
    # then: the closed page, nobody created, nothing sent
    for response in (page, sent):
        assert response.status_code == 200
        assert "No sign-up here" in response.content.decode()
    assert get_user_model().objects.count() == users_before
    assert not EmailAddress.objects.filter(email="newcomer@example.com").exists()
    assert mail.outbox == []


def test_only_the_organisation_sign_up_on_the_root_domain_opens_allauths_sign_up(tenant_alpha, in_tenant):
    adapter = AccountAdapter()
    request = RequestFactory().post("/signup/")
    connection.set_schema_to_public()
    assert adapter.is_open_for_signup(request) is False
    with organisation_signup_open(request):
        assert adapter.is_open_for_signup(request) is True
        with in_tenant(tenant_alpha):
            assert adapter.is_open_for_signup(request) is False
    assert adapter.is_open_for_signup(request) is False


# --- rate limits -----------------------------------------------------------------------------------------------


def test_sign_in_forms_are_limited_per_address_with_a_429_until_the_minute_is_over(client_for, tenant_alpha,
                                                                                   clock):
    # given: 30 sign-in forms from one address within a minute (the default ALLOT_LOGIN_RATE_LIMIT, 30/m/ip)
    client = client_for(tenant_alpha)
    for attempt in range(30):
        response = password_step(client, f"guess{attempt}@example.com", password="wrong", REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200, attempt
        clock.advance(1)
    # when: the 31st
    refused = password_step(client, "alpha_owner@example.com", REMOTE_ADDR="203.0.113.7")
    # then: 429 in the site's look, saying how long to wait; the right password did not get through
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    page = refused.content.decode()
    assert "Too many attempts" in page and "Please wait a minute and try again." in page
    assert signed_in_user_id(client) is None
    # and another address is not affected
    other = password_step(client_for(tenant_alpha), "alpha_owner@example.com", REMOTE_ADDR="203.0.113.8")
    assert other.status_code == 302
    # when the first attempts are a minute old
    clock.advance(31)
    again = password_step(client, "alpha_owner@example.com", REMOTE_ADDR="203.0.113.7")
    # then
    assert again.status_code == 302 and signed_in_user_id(client) == str(get_user_model().objects.get(
        email="alpha_owner@example.com").pk)


def test_failed_passwords_are_limited_per_account_whatever_the_host_and_address(client_for, tenant_alpha,
                                                                                 tenant_beta, clock):
    # given: five wrong passwords for alpha's owner, from five addresses, on the root domain and beta's host
    for attempt in range(5):
        tenant = None if attempt % 2 else tenant_beta
        client = client_for(tenant, HTTP_ACCEPT_LANGUAGE="en")
        response = password_step(client, "alpha_owner@example.com", password="guess",
                                 REMOTE_ADDR=f"198.51.100.{attempt}")
        assert "are not correct" in response.content.decode(), attempt
    # when: the right password on alpha's host, from yet another address
    client = client_for(tenant_alpha)
    refused = password_step(client, "ALPHA_owner@example.com", REMOTE_ADDR="198.51.100.99")
    # then
    assert refused.status_code == 200
    assert "Too many failed login attempts. Try again later." in refused.content.decode()
    assert signed_in_user_id(client) is None
    # and five minutes after the first guess the owner gets in
    clock.advance(5 * 60)
    assert password_step(client, "alpha_owner@example.com", REMOTE_ADDR="198.51.100.99").status_code == 302
