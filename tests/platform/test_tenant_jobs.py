"""Per-tenant periodic jobs: the apps register them (allot.jobs.registry), the platform runs them by name."""

import datetime as dt

import pytest
from django.utils import timezone

from allot.jobs import registry, tasks
from allot.jobs.due import due_work_note_everything
from allot.jobs.models import JobRun
from allot.jobs.registry import tenant_job_register, tenant_jobs
from billing.jobs import payment_holds_expire
from booking_core.calendar_sync.services import calendar_sync_due
from booking_core.messages.reminders import reminders_dispatch
from booking_core.programmes.jobs import programmes_tick
from booking_core.waitlist.jobs import waitlist_offers_expire
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_apps_register_exactly_their_per_tenant_jobs():
    # given Django started (billing's, booking_core's and the programmes' AppConfig.ready ran)
    # then the registry holds their jobs, by name, in the order of INSTALLED_APPS
    assert tenant_jobs() == {
        "billing.payment_holds_expire": payment_holds_expire,
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
    assert list(tenant_jobs()) == ["billing.payment_holds_expire", "bookings.reminders", "waitlist.offers_expire",
                                   "calendar.sync", "programmes.tick"]


def test_a_job_runs_by_its_name_in_the_tenant_and_only_a_run_that_did_something_is_recorded(tenant_alpha,
                                                                                           in_tenant, monkeypatch):
    # given a tenant with nothing due
    # when the worker runs the job by name in that tenant's schema
    with in_tenant(tenant_alpha):
        tasks.run_tenant_job.fn("waitlist.offers_expire")
    # then nothing is recorded: a run that found nothing leaves no row (the scheduler's minute summary counts it)
    assert not JobRun.objects.exists()
    # when the job finds something to do
    monkeypatch.setitem(registry._tenant_jobs, "waitlist.offers_expire", lambda now: 2)
    with in_tenant(tenant_alpha):
        tasks.run_tenant_job.fn("waitlist.offers_expire")
    # then one run is recorded under that name, for that tenant
    run = JobRun.objects.get(job_name="waitlist.offers_expire")
    assert (run.tenant_schema, run.status, run.items_processed) == ("t_alpha", "succeeded", 2)


def test_an_unknown_job_is_refused_and_nothing_runs(tenant_alpha, in_tenant):
    # when a message names something that is no registered job (an old dotted path, say)
    with in_tenant(tenant_alpha), pytest.raises(ValueError) as refused:
        tasks.run_tenant_job.fn("booking_core.reminders.reminders_dispatch")
    # then it is refused and no run is recorded
    assert str(refused.value) == "unknown tenant job 'booking_core.reminders.reminders_dispatch'"
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("alpha_status", ["active", "trial"])
def test_the_minutely_fan_out_sends_due_jobs_to_active_tenants_only(tenant_alpha, tenant_beta, in_tenant, monkeypatch,
                                                                   alpha_status):
    # given every job due in both tenants, one suspended (and the other active, or on trial after signing itself
    # up: served the same)
    for tenant in (tenant_alpha, tenant_beta):
        due_work_note_everything(tenant.schema_name, timezone.now() - dt.timedelta(minutes=1))
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.SUSPENDED)
    Tenant.objects.filter(pk=tenant_alpha.pk).update(status=alpha_status)
    sent = []
    monkeypatch.setattr(tasks.run_tenant_job, "send_with_options",
                        lambda args, tenant_schema: sent.append((tenant_schema, args[0])))
    # when the platform's minutely job fans out
    tasks.fan_out_minutely.fn()
    # then each registered job went once to the active tenant, in its schema, and none to the suspended one
    assert list(tenant_jobs()) == ["billing.payment_holds_expire", "bookings.reminders", "waitlist.offers_expire",
                                   "calendar.sync", "programmes.tick"]
