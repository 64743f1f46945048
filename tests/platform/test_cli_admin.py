"""Production's first steps from the command line: `allot createsuperuser` and `allot tenant create`."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from allot.cli import main
from tenants.models import Domain, Membership, Tenant

pytestmark = pytest.mark.django_db

STRONG = "plum-orbit-castle-42"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())


def test_createsuperuser_makes_verified_platform_staff_with_the_password_from_the_environment(monkeypatch, capsys):
    # given
    monkeypatch.setenv("FIRST_STAFF_PASSWORD", STRONG)
    # when
    code = main(["createsuperuser", "--email", " Ops@Example.com ", "--password-env", "FIRST_STAFF_PASSWORD"])
    # then
    assert code == 0
    user = get_user_model().objects.get(email="ops@example.com")
    assert user.is_staff and user.is_superuser and user.check_password(STRONG)
    assert EmailAddress.objects.filter(user=user, email="ops@example.com", verified=True, primary=True).exists()
    output = capsys.readouterr().out
    assert "Created platform staff user ops@example.com" in output and "/admin/" in output
    assert "authenticator" in output


@pytest.mark.parametrize("email, password, message", [
    ("not-an-address", STRONG, "Enter a valid email address."),
    ("platform_staff@example.com", STRONG, "A user with this email address already exists."),
    ("new@example.com", "123", "Choose a stronger password."),
])
def test_createsuperuser_refuses_bad_input_and_changes_nothing(monkeypatch, capsys, email, password, message):
    monkeypatch.setenv("PW", password)
    users_before = get_user_model().objects.count()
    assert main(["createsuperuser", "--email", email, "--password-env", "PW"]) == 1
    assert message in capsys.readouterr().err
    assert get_user_model().objects.count() == users_before


def test_createsuperuser_without_a_password_or_a_terminal_says_how_to_give_one(capsys):
    assert main(["createsuperuser", "--email", "new@example.com"]) == 2
    assert "--password-env" in capsys.readouterr().err
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_tenant_create_provisions_the_tenant_with_a_new_owner_who_sets_a_password_by_reset(capsys):
    # when
    code = main(["tenant", "create", "--slug", "delta-dance", "--name", "Delta Dance", "--owner-email",
                 "owner@delta.example", "--timezone", "Europe/Vienna", "--language", "de"])
    # then
    assert code == 0
    tenant = Tenant.objects.get(slug="delta-dance")
    assert (tenant.display_name, tenant.timezone, tenant.default_language) == ("Delta Dance", "Europe/Vienna", "de")
    assert Domain.objects.get(tenant=tenant).domain.startswith("delta-dance.")
    owner = get_user_model().objects.get(email="owner@delta.example")
    assert Membership.objects.get(tenant=tenant, user=owner).role == Membership.Role.OWNER
    assert not owner.has_usable_password() and not owner.is_staff
    assert EmailAddress.objects.get(user=owner).verified
    output = capsys.readouterr().out
    assert "Created tenant delta-dance (Delta Dance), schema" in output
    assert "Owner: owner@delta.example (new user)" in output
    assert "delta-dance." in output and "/accounts/password/reset/" in output


def test_tenant_create_with_an_existing_owner_and_a_new_owner_with_a_password(monkeypatch, capsys):
    assert main(["tenant", "create", "--slug", "eps", "--name", "Eps", "--owner-email", "outsider@example.com"]) == 0
    assert "(existing user)" in capsys.readouterr().out
    monkeypatch.setenv("OWNER_PW", STRONG)
    assert main(["tenant", "create", "--slug", "zeta", "--name", "Zeta", "--owner-email", "z@example.com",
                 "--password-env", "OWNER_PW"]) == 0
    assert get_user_model().objects.get(email="z@example.com").check_password(STRONG)
    assert "Forgot password" not in capsys.readouterr().out


def test_tenant_create_refuses_a_taken_slug_and_creates_no_owner_either(capsys):
    users_before = get_user_model().objects.count()
    assert main(["tenant", "create", "--slug", "alpha", "--name", "Again", "--owner-email", "new@example.com"]) == 1
    assert "\n  slug: " in capsys.readouterr().err  # the service's reason, next to the field
    assert get_user_model().objects.count() == users_before
    assert Tenant.objects.filter(slug="alpha").count() == 1
