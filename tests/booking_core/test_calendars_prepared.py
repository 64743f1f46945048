"""The staff calendars query is a statement prepared once per database connection: it reads the schema of
the tenant at hand however often the connection switches, keeps to one statement per connection, and answers
as the plain query does."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_core.models import Service
from booking_core.selectors import availability
from booking_core.selectors.availability import staff_calendars_load
from tests.factories import make_service, make_staff

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)


def _hours(tenant, service_id) -> dict:
    connection.set_tenant(tenant)
    service = Service.objects.get(pk=service_id)
    calendars = staff_calendars_load(service=service, zone=tenant.zone, date_from=MONDAY,
                                     date_to=MONDAY + dt.timedelta(days=6))
    return {weekday: windows for (_staff, weekday), windows in calendars.weekly.items()}


def test_each_tenant_reads_its_own_schema_through_the_prepared_statement(tenant_alpha, tenant_beta, in_tenant):
    # given: a service in each tenant, with different hours
    with in_tenant(tenant_alpha):
        alpha_service = make_service(Service.Kind.INDIVIDUAL)
        make_staff(alpha_service, hours=((9, 12),), weekdays=[0])
    with in_tenant(tenant_beta):
        beta_service = make_service(Service.Kind.INDIVIDUAL)
        make_staff(beta_service, hours=((13, 17),), weekdays=[1])
    # when: one connection, switching back and forth
    seen = [_hours(tenant_alpha, alpha_service.pk), _hours(tenant_beta, beta_service.pk),
            _hours(tenant_alpha, alpha_service.pk), _hours(tenant_beta, beta_service.pk)]
    connection.set_schema_to_public()
    # then
    alpha_hours, beta_hours = {0: [(dt.time(9), dt.time(12))]}, {1: [(dt.time(13), dt.time(17))]}
    assert seen == [alpha_hours, beta_hours, alpha_hours, beta_hours]


def test_the_statement_is_prepared_once_per_connection_and_answers_as_the_plain_query(tenant_alpha, in_tenant):
    # given
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL)
        make_staff(service, hours=((9, 12), (13, 17)), weekdays=range(5))
        load = {"service": service, "zone": tenant_alpha.zone, "date_from": MONDAY,
                "date_to": MONDAY + dt.timedelta(days=30)}
        # when
        with CaptureQueriesContext(connection) as first:
            prepared = staff_calendars_load(**load)
        with CaptureQueriesContext(connection) as again:
            staff_calendars_load(**load)
        sql, params = availability._calendars_sql(
            service_id=service.pk, staff_id=None, date_from=load["date_from"], date_to=load["date_to"],
            range_start=availability.local_window(MONDAY, dt.time(0), dt.time(0), tenant_alpha.zone)[0]
            - dt.timedelta(days=1),
            range_end=availability.local_window(load["date_to"], dt.time(0), dt.time(0), tenant_alpha.zone)[0]
            + dt.timedelta(days=2), ignore_booking_id=None, include_booked=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            plain_rows = cursor.fetchall()
    # then: prepared at most once (an earlier test on this connection may have prepared it), then only run
    assert [query["sql"].split(" ")[0] for query in again.captured_queries] == ["EXECUTE"]
    assert [query["sql"].split(" ")[0] for query in first.captured_queries] in (["PREPARE", "EXECUTE"], ["EXECUTE"])
    assert len(plain_rows) == sum(len(windows) for windows in prepared.weekly.values()) == 10
