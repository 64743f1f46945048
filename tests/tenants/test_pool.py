"""The warm pool of tenant schemas (tenants.pool): a sign-up claims a ready schema instead of cloning the
template; an empty pool falls back to cloning; a schema cloned from an older template is never handed out and is
rebuilt; the refill job keeps the pool full; two concurrent claims never get the same schema."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django_tenants.utils import schema_exists

from tenants import template_schema
from tenants.models import Membership, PoolSchema, Tenant
from tenants.pool import services as pool_services
from tenants.pool.selectors import pool_status
from tenants.pool.services import pool_claim, pool_rebuild, pool_refill
from tenants.services import tenant_create
from tenants.signup.services import organisation_sign_up
from tenants.template_schema import template_version
from tests.support.sign_in import forget_sign_in_limits

DUMMY_MIGRATION = ("booking_core", "9999_pool_test_dummy")


@pytest.fixture
def pool_on(settings, monkeypatch):
    """The pool on (size 2); refill messages are recorded instead of sent."""
    settings.ALLOT_TENANT_POOL_SIZE = 2
    sent = []
    monkeypatch.setattr(pool_services, "pool_refill_enqueue", lambda: sent.append("refill"))
    return sent


def _forbid_cloning(monkeypatch):
    """From here on, cloning the template fails the test: what runs must only claim."""
    def refuse(*args, **kwargs):
        raise AssertionError("cloned although the pool had a ready schema")

    monkeypatch.setattr(template_schema.CloneSchema, "clone_schema", refuse)


def _sign_up(slug: str, email: str):
    return organisation_sign_up(
        organisation_name=f"{slug.title()} Studio", slug=slug, owner_name="Kovács Anna", email=email,
        password="kek-lo-fut-2026-nyaron", timezone="Europe/Budapest", default_language="hu", country="HU",
        currency="HUF", language="hu",
    )


def _tables(schema_name: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema_name])
        return {row[0] for row in cursor.fetchall()}


def _age_the_template() -> None:
    """What a migration does to the template: one more row in its django_migrations."""
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{settings.TENANT_BASE_SCHEMA}".django_migrations (app, name, applied) '
                       "VALUES (%s, %s, now())", list(DUMMY_MIGRATION))


@pytest.mark.django_db
def test_a_sign_up_claims_a_ready_schema_renames_it_and_asks_for_a_refill(pool_on, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    # given: one ready schema
    assert pool_refill(size=1).created == 1
    pooled = PoolSchema.objects.get()
    _forbid_cloning(monkeypatch)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = _sign_up("epsilon", "anna@epsilon.example")
    # then: the pool's schema is the tenant's, under the tenant's own name; the pool row is gone
    tenant = signed_up.tenant
    assert tenant.schema_name == "t_epsilon"
    assert schema_exists("t_epsilon") and not schema_exists(pooled.schema_name)
    assert any(name.startswith("booking_core_") for name in _tables("t_epsilon"))
    assert not PoolSchema.objects.exists()
    assert Membership.objects.get(tenant=tenant).role == Membership.Role.OWNER
    assert list(tenant.domains.values_list("domain", flat=True)) == ["epsilon.localhost"]
    assert Tenant.objects.get(pk=tenant.pk).timezone == "Europe/Budapest"
    assert pool_on == ["refill"]  # enqueued after commit
    # and the new site answers on its host
    assert Client(HTTP_HOST="epsilon.localhost").get("/").status_code == 200




@pytest.mark.django_db
def test_an_empty_pool_falls_back_to_cloning_and_asks_for_a_refill(pool_on, django_capture_on_commit_callbacks):
    # given: the pool is on but empty
    assert not PoolSchema.objects.exists()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = _sign_up("zeta", "anna@zeta.example")
    # then: cloned as before, and the pool is asked to fill up
    assert signed_up.tenant.schema_name == "t_zeta" and schema_exists("t_zeta")
    assert any(name.startswith("booking_core_") for name in _tables("t_zeta"))
    assert pool_on == ["refill"]


@pytest.mark.django_db
def test_the_pool_off_clones_and_asks_for_nothing(settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.ALLOT_TENANT_POOL_SIZE = 0
    sent = []
    monkeypatch.setattr(pool_services, "pool_refill_enqueue", lambda: sent.append("refill"))
    with django_capture_on_commit_callbacks(execute=True):
        tenant = tenant_create(slug="eta", display_name="Eta", owner=_owner("eta"))
    assert schema_exists(tenant.schema_name) and sent == []
    assert pool_refill().created == 0


def _owner(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(email=f"{name}@pool.example", password="x" * 12)


@pytest.mark.django_db
def test_a_schema_cloned_from_an_older_template_is_refused_and_rebuilt(pool_on):
    # given: a ready schema, then the template is migrated
    pool_refill(size=1)
    old = PoolSchema.objects.get()
    old_version = template_version()
    _age_the_template()
    assert template_version() != old_version
    # then: nobody can claim it, the console counts it stale
    with transaction.atomic():
        assert pool_claim() is None
    assert pool_status().ready == 0 and pool_status().stale == 1
    # and a sign-up clones from the migrated template instead of taking it
    tenant = tenant_create(slug="theta", display_name="Theta", owner=_owner("theta"))
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "t_theta".django_migrations WHERE app = %s AND name = %s',
                       list(DUMMY_MIGRATION))
        assert cursor.fetchone()[0] == 1
    assert tenant.schema_name == "t_theta" and schema_exists(old.schema_name)
    # when: the rebuild that follows `allot migrate`, then the refill job
    assert pool_rebuild() == 1
    assert not schema_exists(old.schema_name) and pool_on[-1] == "refill"
    result = pool_refill()
    # then: the pool is full again, of schemas from the current template
    assert result.created == 2 and result.ready == 2
    assert set(PoolSchema.objects.values_list("template_version", flat=True)) == {template_version()}
    assert pool_status() == pool_status().__class__(ready=2, stale=0, target=2)


@pytest.mark.django_db
def test_the_migrate_command_rebuilds_the_pool(pool_on):
    from tenants.provisioning import pool_rebuild_after_migrate

    pool_refill(size=1)
    old = PoolSchema.objects.get()
    _age_the_template()
    assert pool_rebuild_after_migrate(verbosity=0) == 1
    assert not schema_exists(old.schema_name) and not PoolSchema.objects.exists()


@pytest.mark.django_db
def test_the_refill_job_fills_the_pool_to_its_size_and_records_its_run(pool_on):
    from allot.jobs.models import JobRun
    from allot.jobs.schedule import periodic_jobs
    from tenants.tasks import pool_refill_job

    # given: the scheduler starts it periodically
    assert "tenants.pool.refill" in {job.name for job in periodic_jobs()}
    # when: the worker runs it
    pool_refill_job()
    # then
    assert PoolSchema.objects.filter(state=PoolSchema.State.READY).count() == 2
    assert all(schema_exists(name) for name in PoolSchema.objects.values_list("schema_name", flat=True))
    run = JobRun.objects.get(job_name="tenants.pool.refill")
    assert (run.status, run.items_processed) == (JobRun.Status.SUCCEEDED, 2)
    # and running it again adds nothing, and leaves no job-run row: the minute's summary counts the idle run
    from allot.jobs.models import SchedulerMinute

    pool_refill_job()
    assert PoolSchema.objects.count() == 2
    assert JobRun.objects.filter(job_name="tenants.pool.refill").count() == 1
    assert [minute.idle_runs for minute in SchedulerMinute.objects.all()] == [{"tenants.pool.refill": 1}]


@pytest.mark.django_db
def test_the_health_page_shows_the_pools_size(pool_on, staff_client):
    pool_refill(size=1)
    page = staff_client().get("/console/health/").content.decode()
    assert "1 of 2 ready tenant schemas" in page


# --- real concurrency ---------------------------------------------------------------------------------------


@pytest.fixture
def committed_pool(committed_db, pool_on):
    yield pool_on
    connection.set_schema_to_public()
    for row in PoolSchema.objects.all():
        template_schema.schema_drop(row.schema_name)
    PoolSchema.objects.all().delete()


def _in_thread(function, results, index):
    try:
        results[index] = function()
    except Exception as error:  # noqa: BLE001 - reported by the test
        results[index] = error
    finally:
        connections.close_all()


def test_concurrent_claims_never_hand_out_the_same_schema(committed_pool):
    # given: three ready schemas, six claims at the same moment (each on its own connection, all holding their
    # claim until every one has tried)
    pool_refill(size=3)
    claims = 6
    barrier = threading.Barrier(claims, timeout=30)
    results: list = [None] * claims

    def claim():
        with transaction.atomic():
            claimed = pool_claim()
            barrier.wait()
            return claimed.schema_name if claimed else None

    threads = [threading.Thread(target=_in_thread, args=(claim, results, index)) for index in range(claims)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # then: three distinct schemas, three empty-handed (SKIP LOCKED: none waited, none got a taken one)
    assert not [result for result in results if isinstance(result, Exception)], results
    names = [result for result in results if result]
    assert len(names) == 3 and len(set(names)) == 3
    assert results.count(None) == 3


def test_concurrent_sign_ups_get_distinct_schemas_from_the_pool_and_the_clone(committed_pool):
    # given: two ready schemas, three sign-ups at once
    forget_sign_in_limits()
    pool_refill(size=2)
    pooled = set(PoolSchema.objects.values_list("schema_name", flat=True))
    slugs = ["iota", "kappa", "lambda"]
    results: list = [None] * len(slugs)
    barrier = threading.Barrier(len(slugs), timeout=30)

    def sign_up(slug):
        def run():
            barrier.wait()
            return _sign_up(slug, f"anna@{slug}.example").tenant.schema_name
        return run

    threads = [threading.Thread(target=_in_thread, args=(sign_up(slug), results, index))
               for index, slug in enumerate(slugs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # then: three tenants, each in its own schema; both pool schemas were taken, one sign-up cloned
    assert not [result for result in results if isinstance(result, Exception)], results
    assert sorted(results) == ["t_iota", "t_kappa", "t_lambda"]
    assert all(schema_exists(name) for name in results)
    assert not any(schema_exists(name) for name in pooled)
    assert not PoolSchema.objects.exists()
    assert pool_status().ready == 0
