"""Organisations sign themselves up on the root domain (/signup/): the owner lands signed in on their own
subdomain's back office through a one-time hand-off, the verification email waits in the outbox, and bad
input is refused next to its field with nothing created."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client

from allot.outbox.delivery import deliver
from allot.outbox.models import OutboxMessage
from tenants.models import Domain, Membership, Tenant
from tenants.signup import handoff as handoff_module
from tenants.signup.emails import EMAIL_CONFIRMATION
from tenants.signup.handoff import handoff_issue
from tests.support.sign_in import FrozenClock, forget_sign_in_limits

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/signup/"
CHECK_URL = "/signup/subdomain-check/"
JUST_TAKEN = "This subdomain was just taken. Please choose another."
TAKEN = "This subdomain is taken. Please choose another."
RESERVED = "This subdomain is reserved. Please choose another."
INVALID = "Use lowercase letters, digits and hyphens (not at the start or end), at most 63."


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    forget_sign_in_limits()
    yield FrozenClock(monkeypatch)
    forget_sign_in_limits()


def sign_up_data(**overrides) -> dict:
    data = {
        "organisation_name": "Delta Úszóiskola", "slug": "delta", "owner_name": "Kovács Anna",
        "email": "anna@delta.example", "password": "kek-lo-fut-2026-nyaron", "timezone": "Europe/Budapest",
        "default_language": "hu", "country": "HU", "currency": "HUF",
    }
    data.update(overrides)
    return data


def root_client(**extra) -> Client:
    return Client(HTTP_HOST=settings.ALLOT_ROOT_DOMAIN, **extra)


def counts() -> dict:
    connection.set_schema_to_public()
    return {"tenants": Tenant.objects.count(), "domains": Domain.objects.count(), "users": get_user_model().objects
            .count(), "emails": EmailAddress.objects.count(), "memberships": Membership.objects.count(),
            "outbox": OutboxMessage.objects.count()}


def handoff_path(response) -> tuple[str, str]:
    """(host, path with query) of the sign-up's redirect to the new organisation's host."""
    location = urlsplit(response["Location"])
    return location.hostname, f"{location.path}?{location.query}"


# --- the happy path ------------------------------------------------------------------------------------------


def test_signing_up_in_hungarian_lands_the_owner_signed_in_on_their_own_back_office_and_booking_site():
    # given: the form in Hungarian
    client = root_client(HTTP_ACCEPT_LANGUAGE="hu")
    page = client.get(SIGNUP_URL + "?lang=hu")
    assert page.status_code == 200
    assert '<html lang="hu">' in page.content.decode()
    # when
    response = client.post(SIGNUP_URL + "?lang=hu", sign_up_data())
    # then: off to the new host with a one-time token
    assert response.status_code == 302
    host, path = handoff_path(response)
    assert host == "delta.localhost"
    assert re.fullmatch(r"/office/handoff/\?token=[\w-]{40,}", path)
    # and everything exists, on trial
    tenant = Tenant.objects.get(slug="delta")
    assert (tenant.display_name, tenant.status, tenant.schema_name) == ("Delta Úszóiskola", "trial", "t_delta")
    assert (tenant.timezone, tenant.default_language, tenant.country, tenant.currency) == (
        "Europe/Budapest", "hu", "HU", "HUF")
    assert list(tenant.domains.values_list("domain", "is_primary")) == [("delta.localhost", True)]
    owner = get_user_model().objects.get(email="anna@delta.example")
    assert owner.full_name == "Kovács Anna" and owner.check_password("kek-lo-fut-2026-nyaron")
    assert list(Membership.objects.filter(tenant=tenant).values_list("user_id", "role")) == [(owner.pk, "owner")]
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", "primary", "verified")) == [
        ("anna@delta.example", True, False)]

    # when: the browser follows the redirect to the new host
    on_delta = Client(HTTP_HOST=host)
    handed_off = on_delta.get(path)
    # then: signed in there, straight into the back office
    assert handed_off.status_code == 302 and handed_off["Location"] == "/office/"
    office = on_delta.get("/office/")
    assert office.status_code == 200
    html = office.content.decode()
    assert "Delta Úszóiskola" in html and '<html lang="hu">' in html
    assert "/office/catalogue/services/new/" in html  # the checklist: add your first service
    assert "anna@delta.example" in html  # asked to confirm the address
    # and the booking site on the new host serves
    assert on_delta.get("/").status_code == 200
    assert Client(HTTP_HOST=host).get("/").status_code == 200
    # and the root domain's session is not a login (host-only sessions)
    assert "_auth_user_id" not in client.session


def test_the_verification_email_waits_in_the_outbox_in_the_owners_language_and_its_link_confirms():
    # when
    response = root_client().post(SIGNUP_URL + "?lang=de", sign_up_data(email="Anna@Delta.Example"))
    assert response.status_code == 302
    # then: one message, written with the sign-up, for the platform (public schema)
    [row] = OutboxMessage.objects.filter(event_type=EMAIL_CONFIRMATION)
    assert (row.recipient, row.language, row.tenant_schema, row.status) == (
        "anna@delta.example", "de", "public", "pending")
    # when: a worker delivers it
    connection.set_schema_to_public()
    assert deliver(row.pk) == "sent"
    # then
    [email] = mail.outbox
    assert email.to == ["anna@delta.example"]
    link = re.search(r"https?://localhost/accounts/confirm-email/[^/\s]+/", email.body).group(0)
    assert "Delta Úszóiskola" in email.body
    # when: the owner confirms on the root domain
    confirm_path = urlsplit(link).path
    assert root_client().post(confirm_path).status_code == 302
    # then
    assert EmailAddress.objects.get(email="anna@delta.example").verified is True


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "message"), [
    ("organisation_name", "", "This field is required."),
    ("slug", "ab", RESERVED),
    ("slug", "admin", RESERVED),
    ("slug", "console", RESERVED),
    ("slug", "-delta", INVALID),
    ("slug", "delta_swim", INVALID),
    ("slug", "d" * 64, "Ensure this value has at most 63 characters (it has 64)."),
    ("slug", "alpha", TAKEN),
    ("owner_name", "", "This field is required."),
    ("email", "not-an-address", "Enter a valid email address."),
    ("email", "ALPHA_OWNER@example.com", "An account with this email address exists already."),
    ("password", "12345678", "This password is entirely numeric."),
    ("password", "short", "This password is too short. It must contain at least 8 characters."),
    ("password", "password123", "This password is too common."),
    ("timezone", "Mars/Olympus_Mons", "Select a valid choice."),
    ("default_language", "fr", "Select a valid choice."),
    ("country", "XX", "Select a valid choice."),
    ("country", "", "This field is required."),
    ("currency", "XYZ", "Select a valid choice."),
])
def test_every_bad_field_is_refused_next_to_itself_and_nothing_is_created(field, value, message):
    # given
    before = counts()
    # when
    response = root_client().post(SIGNUP_URL + "?lang=en", sign_up_data(**{"slug": "gamma", field: value}))
    # then: the form again, 400, the message on that field only
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(error.startswith(message) for error in errors[field]), errors[field]
    # and a subdomain that passed still says where the site would be
    assert ("gamma.localhost is available." in response.content.decode()) == (field != "slug")
    html = response.content.decode()
    field_block = re.search(rf'<div class="field field--error">((?:(?!<div class="field).)*?id="id_{field}")',
                            html, re.S)
    assert field_block is not None and "errorlist" in field_block.group(1)
    assert counts() == before


def test_a_password_like_the_email_address_is_refused():
    response = root_client().post(SIGNUP_URL, sign_up_data(email="kovacs.anna@delta.example",
                                                            password="kovacs.anna"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["password"]


# --- the subdomain, checked as you type ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "problem", "message"), [
    ("ab", "reserved", RESERVED),
    ("x", "reserved", RESERVED),
    ("www", "reserved", RESERVED),
    ("support", "reserved", RESERVED),
    ("billing", "reserved", RESERVED),
    ("-delta", "invalid", INVALID),
    ("delta-", "invalid", INVALID),
    ("delta swim", "invalid", INVALID),
    ("d" * 64, "invalid", INVALID),
    ("alpha", "taken", TAKEN),
    ("Beta", "taken", TAKEN),
])
def test_the_subdomain_check_says_what_is_wrong(typed, problem, message):
    response = root_client().get(CHECK_URL, {"slug": typed, "lang": "en"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-problem="{problem}"' in html and message in html
    assert "<html" not in html  # a fragment for htmx


@pytest.mark.parametrize("typed", ["delta", "d" * 63, "7seas", "swim-school-2"])
def test_the_subdomain_check_says_a_free_subdomain_is_available(typed):
    response = root_client().get(CHECK_URL, {"slug": typed})
    assert f"{typed}.localhost is available." in response.content.decode()
    assert 'data-problem="none"' in response.content.decode()


def test_the_form_asks_for_the_check_as_you_type_and_the_browsers_time_zone():
    html = root_client().get(SIGNUP_URL + "?lang=hu").content.decode()
    assert 'hx-get="/signup/subdomain-check/?lang=hu"' in html and 'hx-target="#subdomain-check"' in html
    assert 'data-browser-timezone="1"' in html and "/static/signup/signup.js" in html
    assert '<option value="Europe/Budapest" selected>' in html
    assert '<option value="HUF" selected>' in html and '<option value="HU" selected>' in html


def test_a_slug_of_63_characters_gets_a_schema_name_postgresql_accepts():
    response = root_client().post(SIGNUP_URL, sign_up_data(slug="s" * 63))
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="s" * 63)
    assert len(tenant.schema_name) == 63 and tenant.schema_name.startswith("t_sss")


# --- the hand-off ----------------------------------------------------------------------------------------------


def test_a_hand_off_token_works_once(tenant_alpha, user, client_for):
    # given
    token = handoff_issue(user=user("alpha_owner"), tenant=tenant_alpha)
    first = client_for(tenant_alpha)
    assert first.get(f"/office/handoff/?token={token}").status_code == 302
    # when: used again (another browser)
    second = client_for(tenant_alpha)
    refused = second.get(f"/office/handoff/?token={token}")
    # then
    assert refused.status_code == 400
    assert "The link has been used already" in refused.content.decode()
    assert "_auth_user_id" not in second.session
    assert second.get("/office/").status_code == 302


def test_an_expired_hand_off_token_is_refused(tenant_alpha, user, client_for, monkeypatch):
    # given
    token = handoff_issue(user=user("alpha_owner"), tenant=tenant_alpha)
    issued_at = handoff_module._now()
    # when: a minute and a second later
    monkeypatch.setattr(handoff_module, "_now", lambda: issued_at + settings.ALLOT_SIGNUP_HANDOFF_SECONDS + 1)
    client = client_for(tenant_alpha)
    refused = client.get(f"/office/handoff/?token={token}")
    # then
    assert refused.status_code == 400
    assert "The link has expired" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_hand_off_token_is_refused_on_another_organisations_host_and_is_gone(tenant_alpha, tenant_beta, user,
                                                                               client_for):
    # given: a token for alpha
    token = handoff_issue(user=user("alpha_owner"), tenant=tenant_alpha)
    # when: presented on beta's host
    on_beta = client_for(tenant_beta)
    refused = on_beta.get(f"/office/handoff/?token={token}")
    # then
    assert refused.status_code == 400
    assert "einer anderen Organisation" in refused.content.decode()  # beta's site speaks German
    assert "_auth_user_id" not in on_beta.session
    # and it no longer works on alpha's host either
    assert client_for(tenant_alpha).get(f"/office/handoff/?token={token}").status_code == 400


@pytest.mark.parametrize("token", ["", "made-up", "x" * 500])
def test_a_missing_or_made_up_hand_off_token_is_refused(tenant_alpha, client_for, token):
    assert client_for(tenant_alpha).get(f"/office/handoff/?token={token}").status_code == 400


# --- the back office's home ------------------------------------------------------------------------------------


def test_the_back_office_home_is_for_members_only(tenant_alpha, user, client_for, member_client):
    from tests.conftest import signed_in

    # anonymous: to the sign-in page
    anonymous = client_for(tenant_alpha).get("/office/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=/office/")
    # a member of another organisation, even with a session bound to this host: no back office here
    outsider = signed_in(client_for(tenant_alpha), user("beta_owner"), tenant_alpha.schema_name)
    assert outsider.get("/office/").status_code == 404
    # a member
    response = member_client(tenant_alpha, "alpha_staff").get("/office/")
    assert response.status_code == 200 and "Alpha Studio" in response.content.decode()


# --- abuse limits ----------------------------------------------------------------------------------------------


def test_sign_ups_are_limited_per_email_address_with_a_429_that_says_when_to_try_again(clock):
    # given: five forms for one email address within the hour, from five addresses (ALLOT_SIGNUP_RATE_LIMIT,
    # 20/h/ip,5/h/key); refused ones, so nothing is created
    for attempt in range(5):
        response = root_client(REMOTE_ADDR=f"198.51.100.{attempt}").post(
            SIGNUP_URL, sign_up_data(slug="ab", email="mallory@example.net"))
        assert response.status_code == 400, attempt
        clock.advance(60)
    # when: the sixth
    refused = root_client(REMOTE_ADDR="198.51.100.99").post(SIGNUP_URL, sign_up_data(email="mallory@example.net"))
    # then
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Please wait 60 minutes and try again." in refused.content.decode()
    assert not Tenant.objects.filter(slug="delta").exists()
    # and another email address from that address is fine
    assert root_client(REMOTE_ADDR="198.51.100.99").post(SIGNUP_URL, sign_up_data(
        slug="ab", email="someone@example.net")).status_code == 400
    # and an hour after the first, the address may try again
    clock.advance(3600)
    assert root_client(REMOTE_ADDR="198.51.100.99").post(SIGNUP_URL, sign_up_data(
        slug="ab", email="mallory@example.net")).status_code == 400


def test_sign_ups_are_limited_per_client_address(clock):
    # given: twenty forms from one address within the hour
    for attempt in range(20):
        response = root_client(REMOTE_ADDR="203.0.113.50").post(
            SIGNUP_URL, sign_up_data(slug="ab", email=f"person{attempt}@example.net"))
        assert response.status_code == 400, attempt
    # when
    refused = root_client(REMOTE_ADDR="203.0.113.50").post(SIGNUP_URL, sign_up_data(email="new@example.net"))
    # then
    assert refused.status_code == 429
    # and another address is not affected
    assert root_client(REMOTE_ADDR="203.0.113.51").post(SIGNUP_URL, sign_up_data(
        slug="ab", email="new@example.net")).status_code == 400


def test_the_owner_continues_on_the_port_the_browser_used():
    response = Client(HTTP_HOST="localhost:8000").post(SIGNUP_URL, sign_up_data())
    assert response["Location"].startswith("http://delta.localhost:8000/office/handoff/?token=")
