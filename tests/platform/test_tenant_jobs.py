"""Per-tenant periodic jobs: the apps register them (allot.jobs.registry), the platform runs them by name."""

import pytest
from django.db import connection

from allot.jobs import tasks
from allot.jobs.models import JobRun
from allot.jobs.registry import tenant_job_register, tenant_jobs
from booking_core.calendar_sync.services import calendar_sync_due
from booking_core.messages.reminders import reminders_dispatch
from booking_core.programmes.jobs import programmes_tick
from booking_core.waitlist.jobs import waitlist_offers_expire
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_apps_register_exactly_their_per_tenant_jobs():
    # given Django started (booking_core's and the programmes' AppConfig.ready ran)
    # then the registry holds their jobs, by name, in the order of INSTALLED_APPS
    assert tenant_jobs() == {
        "bookings.reminders": reminders_dispatch,
        "waitlist.offers_expire": waitlist_offers_expire,
        "calendar.sync": calendar_sync_due,
        "programmes.tick": programmes_tick,
    }


def test_another_function_under_a_taken_name_is_refused_and_changes_nothing():
    # when another function is registered under a name already taken
    with pytest.raises(ValueError) as refused:
        tenant_job_register("bookings.reminders", lambda: 0)
    # then it is refused and the registered job stays
    assert str(refused.value) == "another function is already registered as the tenant job 'bookings.reminders'"
    assert tenant_jobs()["bookings.reminders"] is reminders_dispatch
    # and registering the same function again (a second ready()) is harmless
    tenant_job_register("bookings.reminders", reminders_dispatch)
    assert list(tenant_jobs()) == ["bookings.reminders", "waitlist.offers_expire", "calendar.sync", "programmes.tick"]


def test_a_job_runs_by_its_name_in_the_tenant_and_is_recorded(tenant_alpha, in_tenant):
    # given a tenant with nothing due
    # when the worker runs the job by name in that tenant's schema
    with in_tenant(tenant_alpha):
        tasks.run_tenant_job.fn("waitlist.offers_expire")
    # then one run is recorded under that name, for that tenant
    run = JobRun.objects.get(job_name="waitlist.offers_expire")
    assert (run.tenant_schema, run.status, run.items_processed) == ("t_alpha", "succeeded", 0)


def test_an_unknown_job_is_refused_and_nothing_runs(tenant_alpha, in_tenant):
    # when a message names something that is no registered job (an old dotted path, say)
    with in_tenant(tenant_alpha), pytest.raises(ValueError) as refused:
        tasks.run_tenant_job.fn("booking_core.reminders.reminders_dispatch")
    # then it is refused and no run is recorded
    assert str(refused.value) == "unknown tenant job 'booking_core.reminders.reminders_dispatch'"
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("alpha_status", ["active", "trial"])
def test_the_minutely_fan_out_sends_every_job_to_every_active_tenant(tenant_alpha, tenant_beta, monkeypatch,
                                                                     alpha_status):
    # given one tenant suspended (and the other active, or on trial after signing itself up: served the same)
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.SUSPENDED)
    Tenant.objects.filter(pk=tenant_alpha.pk).update(status=alpha_status)
    sent = []
    monkeypatch.setattr(tasks.run_tenant_job, "send", lambda job: sent.append((connection.schema_name, job)))
    # when the platform's minutely job fans out
    tasks.fan_out_minutely.fn()
    # then each registered job went once to the active tenant, in its schema, and none to the suspended one
    assert sent == [("t_alpha", "bookings.reminders"), ("t_alpha", "waitlist.offers_expire"),
                    ("t_alpha", "calendar.sync"), ("t_alpha", "programmes.tick")]
    run = JobRun.objects.get(job_name="tenants.fan_out.minutely")
    assert (run.status, run.items_processed) == ("succeeded", 1)
