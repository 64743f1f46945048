"""New passwords are hashed with Argon2id at OWASP's parameters; PBKDF2 hashes made before still verify and are
re-hashed with Argon2id at the next sign-in. (The suite itself runs with a fast hasher, tests/settings.py.)"""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

import allot.settings as production
from tests.platform.test_dependencies import LOCK, PYPROJECT

PASSWORD = "kek-lo-fut-2026-nyaron"


@pytest.fixture
def production_hashers():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        yield


def test_new_passwords_are_argon2id_with_owasps_parameters(production_hashers):
    # when a password is hashed with the production settings
    encoded = make_password(PASSWORD)
    # then it is Argon2id, 19 MiB, 2 passes, 1 lane, in Django's own format
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password(PASSWORD, encoded)
    assert not check_password(PASSWORD + "x", encoded)


def test_an_existing_pbkdf2_hash_verifies_and_is_upgraded_to_argon2id(production_hashers):
    # given a hash made by Django's previous default
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    upgraded = []
    # when its owner signs in
    assert check_password(PASSWORD, old, setter=upgraded.append)
    # then the password is stored again (the setter gets the raw password, and set_password hashes it as Argon2id)
    assert upgraded == [PASSWORD]


@pytest.mark.django_db
def test_a_users_pbkdf2_hash_becomes_argon2id_at_sign_in(production_hashers, django_user_model):
    user = django_user_model.objects.create(email="old-hash@example.com", full_name="Old Hash",
                                            password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_argon2_cffi_is_declared_and_pinned():
    assert any(requirement.lower().startswith("django[argon2]") for requirement in PYPROJECT["project"]["dependencies"])
    assert {"argon2-cffi", "argon2-cffi-bindings"} <= LOCK


def test_the_suite_keeps_a_fast_hasher():
    from django.conf import settings

    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
