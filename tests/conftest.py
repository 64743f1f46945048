"""Test harness: real PostgreSQL and Redis, a public schema and two tenants built once per session.

Most tests run inside a transaction that is rolled back (`db`). Tests that need several real
connections to see each other's commits use `committed_db`, which cleans up the rows they wrote
instead of flushing the database (a flush would wipe the session's tenants, users and domains).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context

# The one live HTTP server (browser tests, the sign-up race, the API fuzzer).
pytest_plugins = ["tests.support.live_server"]

CHECKOUT_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    """What every test can rely on existing (committed once per session)."""

    alpha_id: int
    beta_id: int
    users: dict[str, int]


def _build_world() -> World:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from tenants.models import Membership
    from tenants.provisioning import public_tenant_ensure, template_tenant_ensure
    from tenants.services import membership_add, tenant_create

    User = get_user_model()
    public_tenant_ensure()
    template_tenant_ensure()
    users = {}
    for name, is_staff in [
        ("alpha_owner", False), ("alpha_staff", False), ("beta_owner", False),
        ("platform_staff", True), ("outsider", False),
    ]:
        user = User.objects.create_user(email=f"{name}@example.com", password=PASSWORD, is_staff=is_staff)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        users[name] = user.pk
    alpha = tenant_create(
        slug="alpha", display_name="Alpha Studio", owner=User.objects.get(pk=users["alpha_owner"]),
        timezone="Europe/Budapest", default_language="en",
    )
    beta = tenant_create(
        slug="beta", display_name="Beta Schwimmschule", owner=User.objects.get(pk=users["beta_owner"]),
        timezone="America/New_York", default_language="de",
    )
    membership_add(tenant=alpha, user=User.objects.get(pk=users["alpha_staff"]), role=Membership.Role.STAFF)
    return World(alpha_id=alpha.pk, beta_id=beta.pk, users=users)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    from django.test.utils import setup_databases, teardown_databases

    # pytest-django creates the test database only when some test is marked django_db or uses `db`;
    # a run of committed_db tests alone must still never touch the development database.
    created_here = None
    test_name = connection.settings_dict["TEST"]["NAME"]
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != test_name:
            created_here = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        world = _build_world()
        _remember_baseline()
    yield world
    if created_here:
        with django_db_blocker.unblock():
            teardown_databases(created_here, verbosity=0)


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and (marker.kwargs.get("transaction") or "transactional_db" in item.fixturenames):
            raise pytest.UsageError(
                f"{item.nodeid}: use the `committed_db` fixture instead of transaction=True; "
                "Django's flush would truncate the session's tenants and users."
            )


def pytest_unconfigure(config):
    from allot import embedded

    if "postgres" in embedded.started_here:
        embedded.stop_postgres()
    if "redis" in embedded.started_here:
        embedded.stop_redis()


# --- the session's world -------------------------------------------------------------------------


@pytest.fixture
def world(django_db_setup) -> World:
    return django_db_setup


@pytest.fixture
def tenant_alpha(world, django_db_blocker):
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        return Tenant.objects.get(pk=world.alpha_id)


@pytest.fixture
def tenant_beta(world, django_db_blocker):
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        return Tenant.objects.get(pk=world.beta_id)


@pytest.fixture
def user(world, django_db_blocker):
    """user("alpha_owner") -> the session's user of that name."""
    from django.contrib.auth import get_user_model

    def get(name: str):
        with django_db_blocker.unblock():
            return get_user_model().objects.get(pk=world.users[name])

    return get


def host_of(tenant) -> str:
    return f"{tenant.slug}.{settings.ALLOT_ROOT_DOMAIN}"


@pytest.fixture
def client_for():
    """client_for(tenant) -> a test client whose requests go to that tenant's host (None: root domain)."""

    def make(tenant=None, **extra) -> Client:
        host = settings.ALLOT_ROOT_DOMAIN if tenant is None else host_of(tenant)
        return Client(HTTP_HOST=host, **extra)

    return make


# The programmes of the tests run in December 2026 (tests/programmes/factories.py): their tests run on a day of
# that month, at the time of day the clock shows (so ALLOT_TEST_CLOCK's hours still reach them).
PROGRAMMES_DAY = dt.date(2026, 12, 4)


@pytest.fixture
def programmes_month_clock():
    """The clock moved to PROGRAMMES_DAY, keeping the UTC time of day, and ticking."""
    import time_machine
    from django.utils import timezone

    now = timezone.now().astimezone(dt.UTC)
    with time_machine.travel(dt.datetime.combine(PROGRAMMES_DAY, now.time(), tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def in_tenant():
    """`with in_tenant(tenant):` runs the block with the connection on that tenant's schema."""
    return tenant_context


@pytest.fixture(autouse=True)
def _public_schema_around_each_test():
    from booking_core.selectors.catalogue import forget_local_catalogues
    from tenants import resolution

    connection.set_schema_to_public()
    # Requests activate the client's language in this thread (LocaleMiddleware); start each test in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    # Rolled-back tests may have cached tenants, domains or services that no longer exist.
    resolution.forget_local()
    forget_local_catalogues()
    for alias in connections:
        with contextlib.suppress(Exception):
            connections[alias].set_schema_to_public()


# --- committed data, for real concurrency ----------------------------------------------------------

_baseline: dict[str, object] = {}
# Public tables that hold the session's world; rows added to them by a test are deleted afterwards.
_WORLD_TABLES = {
    "tenants_tenant": "tenants.Tenant",
    "tenants_domain": "tenants.Domain",
    "tenants_membership": "tenants.Membership",
    "accounts_user": "accounts.User",
    "mfa_authenticator": "mfa.Authenticator",
    "tenants_platformauditentry": "tenants.PlatformAuditEntry",
    "tenants_dataexport": "tenants.DataExport",
}


def _remember_baseline() -> None:
    from django.apps import apps

    for table, label in _WORLD_TABLES.items():
        model = apps.get_model(label)
        _baseline[table] = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _volatile_public_tables() -> list[str]:
    from django.apps import apps

    tables = []
    for label in ("outbox", "jobs", "billing"):
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        tables += [model._meta.db_table for model in config.get_models()]
    return tables


def _tenant_tables() -> list[str]:
    from django.apps import apps

    # Apps whose tables live only in tenant schemas (contenttypes and admin are shared as well).
    tenant_only = set(settings.TENANT_APPS) - set(settings.SHARED_APPS) - {"django.contrib.admin"}
    return [model._meta.db_table for config in apps.get_app_configs() if config.name in tenant_only
            for model in config.get_models()]


def _clean_committed_data() -> None:
    from django.apps import apps

    from tenants.models import Tenant

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for tenant in Tenant.objects.filter(pk__gt=_baseline["tenants_tenant"]):
            tenant.delete(force_drop=True)
        for table, label in _WORLD_TABLES.items():
            if table != "tenants_tenant":
                apps.get_model(label).objects.filter(pk__gt=_baseline[table]).delete()
        volatile = _volatile_public_tables()
        if volatile:
            cursor.execute(f"TRUNCATE {', '.join(volatile)} CASCADE")
        tenant_tables = _tenant_tables()
        for tenant in Tenant.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME):
            if tenant_tables:
                qualified = ", ".join(f'"{tenant.schema_name}"."{table}"' for table in tenant_tables)
                cursor.execute(f"TRUNCATE {qualified} RESTART IDENTITY CASCADE")


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access without a wrapping transaction: what a test writes is visible to other
    connections (threads, worker processes) and is removed after the test."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            for alias in connections:
                connections[alias].close()
            _clean_committed_data()


# --- real processes ----------------------------------------------------------------------------------


def child_environment(**overrides) -> dict:
    """Environment for a subprocess that must see the test database and the test Redis namespace."""
    from allot.config import database_url_for

    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url_for(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        PYTHONPATH=os.pathsep.join([str(CHECKOUT_DIR), str(CHECKOUT_DIR / "platform")]),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def _forget_dispatch_nudges() -> None:
    """Flushing the queues drops queued dispatch requests; their "already requested" flags must go with them,
    or the next commit within two seconds would not ask again (in production the relay pass covers that)."""
    from allot.redis import get_redis, key

    client = get_redis()
    for name in client.scan_iter(match=key("outbox", "nudge", "*")):
        client.delete(name)


@pytest.fixture
def worker_process(committed_db, tmp_path):
    """Start a real dramatiq worker (the `allot worker` command) against the test database."""
    from allot.workers.broker import install_broker

    install_broker().flush_all()
    _forget_dispatch_nudges()
    started = []

    def start(processes: int = 1, threads: int = 2, **env_overrides) -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "allot.cli", "worker", "--processes", str(processes), "--threads", str(threads)],
            env=child_environment(**env_overrides), cwd=CHECKOUT_DIR, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    install_broker().flush_all()
    _forget_dispatch_nudges()


# --- API clients ---------------------------------------------------------------------------------------


def signed_in(client: Client, user, schema_name: str) -> Client:
    """`client` with a session of `user`, bound to `schema_name` as a sign-in on that host binds it
    (tenants.middleware). Signing in through allauth's pages, second factor and all, is tested in
    tests/tenants/test_sign_in.py; the other tests start signed in."""
    from tenants.middleware import SESSION_SCHEMA_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_SCHEMA_KEY] = schema_name
    session.save()
    return client


@pytest.fixture
def member_client(client_for, user):
    """member_client(tenant, "alpha_owner") -> a client signed in on that tenant's host as one of its members."""
    from tenants.permissions import membership_role

    def make(tenant, user_name: str) -> Client:
        member = user(user_name)
        assert membership_role(user=member, tenant=tenant), f"{user_name} is not a member of {tenant.slug}"
        return signed_in(client_for(tenant), member, tenant.schema_name)

    return make


@pytest.fixture
def staff_client(client_for, user):
    """staff_client() -> a client signed in on the root domain as platform staff who have set up an
    authenticator (TOTP), as the root domain's admin requires."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def make() -> Client:
        staff = user("platform_staff")
        TOTP.activate(staff, generate_totp_secret())
        return signed_in(client_for(None), staff, settings.PUBLIC_SCHEMA_NAME)

    return make


@pytest.fixture
def api_key_client(client_for):
    """api_key_client(tenant, role="admin") -> a client that sends a fresh API key of that tenant."""
    from tenants.api_keys import api_key_create

    def make(tenant, role: str = "admin", key_tenant=None) -> Client:
        _key, secret = api_key_create(tenant=key_tenant or tenant, name=f"test {role}", role=role)
        return client_for(tenant, HTTP_AUTHORIZATION=f"Api-Key {secret}")

    return make


def real_queries(captured) -> list[str]:
    """Queries of a CaptureQueriesContext, without the `SET search_path` a tenant switch adds."""
    return [query["sql"] for query in captured.captured_queries if not query["sql"].startswith("SET search_path")]


def pytest_report_header(config):
    from tests.clock import CLOCK_VARIABLE

    if os.environ.get(CLOCK_VARIABLE):
        from django.utils import timezone

        return f"clock moved ({CLOCK_VARIABLE}={os.environ[CLOCK_VARIABLE]}): now is {timezone.now().isoformat()}"
    return None


# --- public abuse limits ---------------------------------------------------------------------------


class RateLimitClock:
    """The public abuse limits switched on (the production defaults unless overridden), their counters empty,
    and their clock frozen at the start of an hour: move it with advance()."""

    def __init__(self, settings, monkeypatch, start: float = 1_800_000_000.0):
        from allot import rate_limits

        self.now = start  # a whole number of hours (and of 10 minutes) since the epoch: windows start here
        self._settings = settings
        monkeypatch.setattr(rate_limits, "_clock", lambda: self.now)
        settings.ALLOT_PUBLIC_RATE_LIMITS = dict(rate_limits.DEFAULT_RATES)
        settings.ALLOT_RATE_LIMIT_MULTIPLIER = 1

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def set(self, **rates: str) -> None:
        self._settings.ALLOT_PUBLIC_RATE_LIMITS = {**self._settings.ALLOT_PUBLIC_RATE_LIMITS, **rates}


@pytest.fixture
def public_rate_limits(settings, monkeypatch):
    from allot.rate_limits import forget_all

    forget_all()
    yield RateLimitClock(settings, monkeypatch)
    forget_all()
