"""Hosts decide which organisation answers: root domain, tenant subdomains, unknown and suspended hosts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain, Tenant
from tenants.services import domain_add, tenant_set_status

pytestmark = pytest.mark.django_db


def test_root_domain_serves_the_landing_page(client_for):
    # when
    response = client_for(None).get("/")
    # then
    assert response.status_code == 200
    assert b"Sign up your organisation" in response.content


def test_tenant_subdomain_serves_that_tenants_site(client_for, tenant_alpha, tenant_beta):
    # when
    alpha_page = client_for(tenant_alpha).get("/")
    beta_page = client_for(tenant_beta).get("/")
    # then
    assert alpha_page.status_code == 200 and b"Alpha Studio" in alpha_page.content
    assert beta_page.status_code == 200 and b"Beta Schwimmschule" in beta_page.content


def test_unknown_host_gets_a_proper_404_page(client):
    # when
    response = client.get("/", HTTP_HOST="nope.localhost")
    # then
    assert response.status_code == 404
    assert b"There is no booking site here" in response.content
    assert b"nope.localhost" in response.content


def test_suspended_tenant_gets_a_temporarily_unavailable_page(client_for, tenant_alpha):
    # given
    tenant_set_status(tenant=tenant_alpha, status=Tenant.Status.SUSPENDED)
    # when
    response = client_for(tenant_alpha).get("/")
    # then
    assert response.status_code == 503
    assert b"temporarily unavailable" in response.content
    assert b"Alpha Studio" in response.content


def test_tenant_resolution_is_cached_between_requests(client_for, tenant_alpha):
    # given: a first request has resolved the host
    client = client_for(tenant_alpha)
    client.get("/")
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    # then: no query touched the domain table
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_a_changed_domain_is_seen_by_the_next_request(client_for, client, tenant_alpha):
    # given: the custom host is unknown and that answer is cached
    assert client.get("/", HTTP_HOST="book.alpha-studio.example").status_code == 404
    # when
    domain_add(tenant=tenant_alpha, domain="book.alpha-studio.example")
    # then
    response = client.get("/", HTTP_HOST="book.alpha-studio.example")
    assert response.status_code == 200 and b"Alpha Studio" in response.content


def test_a_removed_domain_stops_answering(client, tenant_alpha):
    # given
    domain_add(tenant=tenant_alpha, domain="old.alpha-studio.example")
    assert client.get("/", HTTP_HOST="old.alpha-studio.example").status_code == 200
    # when
    Domain.objects.filter(domain="old.alpha-studio.example").delete()
    # then
    assert client.get("/", HTTP_HOST="old.alpha-studio.example").status_code == 404


def test_requests_run_on_the_tenants_schema(client_for, tenant_beta):
    # given
    client = client_for(tenant_beta)
    # when
    client.get("/")
    # then
    assert connection.schema_name == tenant_beta.schema_name
