"""Configuration comes from environment variables; production refuses an insecure secret key."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from allot.config import database_url_for, parse_database_url, parse_email_url
from tests.conftest import CHECKOUT_DIR, child_environment


def test_database_url_with_host_port_and_credentials():
    config = parse_database_url("postgres://allot:s%40cret@db.internal:6432/allot_prod?sslmode=require")
    assert config == {
        "NAME": "allot_prod", "USER": "allot", "PASSWORD": "s@cret", "HOST": "db.internal", "PORT": "6432",
        "OPTIONS": {"sslmode": "require"},
    }


def test_database_url_with_a_unix_socket_directory():
    assert parse_database_url("postgresql://postgres@/allot?host=/tmp/pg")["HOST"] == "/tmp/pg"
    assert parse_database_url("postgresql://postgres@%2Ftmp%2Fpg/allot")["HOST"] == "/tmp/pg"


def test_database_url_round_trips_for_child_processes():
    for url in ["postgresql://postgres@/allot?host=%2Ftmp%2Fpg", "postgresql://u:p@h:5432/db"]:
        assert parse_database_url(database_url_for(parse_database_url(url))) == parse_database_url(url)


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/"])
def test_bad_database_urls_are_refused_with_a_clear_message(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)


def test_email_url_smtp_with_tls():
    config = parse_email_url("smtp://mailer:pw@smtp.example.com:587?tls=1")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == ("smtp.example.com", 587, True)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("mailer", "pw")


def test_email_url_console_and_unknown_scheme():
    assert parse_email_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured):
        parse_email_url("carrier-pigeon://coop")


def _django_check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = child_environment(DJANGO_SETTINGS_MODULE="allot.settings", **env_overrides)
    for name in ("SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        if name not in env_overrides:
            env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", "check", *args], env=env, cwd=CHECKOUT_DIR,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
def test_debug_off_refuses_to_start_with_the_default_secret_key():
    result = _django_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is unset or insecure and DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_check_deploy_is_clean_in_production_settings():
    result = _django_check(
        {"DEBUG": "0", "SECRET_KEY": "p" * 30 + os.urandom(16).hex() + "Q" * 20}, "--deploy", "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_debug_must_be_a_boolean(monkeypatch):
    from allot.config import env_bool

    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("DEBUG")
