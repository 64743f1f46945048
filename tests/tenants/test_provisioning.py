"""tenant_create provisions an organisation: schema cloned from the migrated template, domain, owner."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from allot.errors import ApplicationError
from tenants.models import Domain, Membership, Tenant
from tenants.services import tenant_create

pytestmark = pytest.mark.django_db


def _applied_migrations(schema_name: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return set(cursor.fetchall())


def _tenant_app_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(connection)
    return {key for key in loader.disk_migrations if key[0] in {"booking_core", "contenttypes", "admin"}}


def test_tenant_create_provisions_schema_domain_and_owner(user):
    # given
    owner = user("outsider")
    # when
    tenant = tenant_create(slug="gamma-yoga", display_name="Gamma Yoga", owner=owner, timezone="Europe/Berlin",
                           default_language="de")
    # then
    assert tenant.schema_name == "t_gamma_yoga"
    assert schema_exists("t_gamma_yoga")
    assert list(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary")) == [
        ("gamma-yoga.localhost", True)
    ]
    assert Membership.objects.get(tenant=tenant).user == owner
    assert Membership.objects.get(tenant=tenant).role == "owner"
    assert _applied_migrations("t_gamma_yoga") >= _tenant_app_migrations()


def test_the_template_schema_is_fully_migrated_so_clones_are_complete():
    # then: every tenant-app migration on disk is recorded in the template
    assert _applied_migrations("tenant_template") >= _tenant_app_migrations()
    assert Tenant.objects.filter(schema_name="tenant_template").exists(), "migrate_schemas only loops over rows"


@pytest.mark.parametrize(
    ("slug", "field"),
    [("Bad Slug!", "slug"), ("ab", "slug"), ("www", "slug"), ("alpha", "slug")],
)
def test_tenant_create_refuses_bad_or_taken_slugs_and_changes_nothing(user, slug, field):
    # given
    tenants_before = Tenant.objects.count()
    # when
    with pytest.raises(ApplicationError) as refused:
        tenant_create(slug=slug, display_name="Whatever", owner=user("outsider"))
    # then
    assert field in refused.value.fields
    assert Tenant.objects.count() == tenants_before


def test_tenant_create_refuses_an_unknown_timezone(user):
    with pytest.raises(ApplicationError) as refused:
        tenant_create(slug="delta", display_name="Delta", owner=user("outsider"), timezone="Mars/Olympus")
    assert "timezone" in refused.value.fields
    assert not schema_exists("t_delta")


def test_default_language_must_be_enabled(user):
    with pytest.raises(ApplicationError) as refused:
        tenant_create(slug="delta", display_name="Delta", owner=user("outsider"), default_language="de",
                      enabled_languages=["en", "hu"])
    assert "default_language" in refused.value.fields


def test_customers_excludes_public_and_template_rows(tenant_alpha, tenant_beta):
    assert set(Tenant.objects.customers().values_list("slug", flat=True)) == {"alpha", "beta"}
