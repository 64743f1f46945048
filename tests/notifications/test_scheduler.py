"""One active scheduler, traceable job runs, per-tenant fan-out through the worker pool."""

import threading
import time
from collections import Counter

import pytest

from allot.jobs import scheduler as scheduler_module
from allot.jobs.models import JobRun
from allot.jobs.runs import recorded_run
from allot.jobs.schedule import PeriodicJob
from allot.jobs.scheduler import Leadership, run_scheduler
from allot.jobs.tasks import run_tenant_job_now

pytestmark = pytest.mark.django_db


def test_only_one_scheduler_leads_and_another_takes_over_when_it_stops(monkeypatch):
    # given: two schedulers started at once, each counting the jobs it enqueues
    enqueued = Counter()
    current = threading.local()

    def counting_job():
        enqueued[current.name] += 1

    monkeypatch.setattr("allot.jobs.schedule.periodic_jobs", lambda: [PeriodicJob("tick", 0.05, counting_job)])
    monkeypatch.setattr(scheduler_module, "TICK_SECONDS", 0.05)
    stops = {"first": threading.Event(), "second": threading.Event()}

    def run(name):
        current.name = name
        run_scheduler(stop=stops[name])

    threads = {name: threading.Thread(target=run, args=(name,)) for name in stops}
    for thread in threads.values():
        thread.start()
    time.sleep(0.6)
    # then: exactly one of them enqueued anything
    leaders = [name for name in stops if enqueued[name]]
    assert len(leaders) == 1
    leader = leaders[0]
    standby = "second" if leader == "first" else "first"
    # when: the leader stops (releasing its lease), the other takes over
    stops[leader].set()
    threads[leader].join()
    before = enqueued[standby]
    time.sleep(0.6)
    stops[standby].set()
    threads[standby].join()
    assert before == 0 and enqueued[standby] > 0


def test_a_lease_is_only_renewed_by_its_holder():
    first, second = Leadership("test-lease"), Leadership("test-lease")
    try:
        assert first.acquire_or_renew() is True
        assert second.acquire_or_renew() is False
        assert first.acquire_or_renew() is True
        second.release()  # not the holder: no effect
        assert second.acquire_or_renew() is False
        first.release()
        assert second.acquire_or_renew() is True
    finally:
        first.release()
        second.release()


def test_job_runs_are_recorded_with_items_errors_and_tenant(tenant_alpha, in_tenant):
    with recorded_run("test.succeeds") as run:
        run.items_processed = 7
    with pytest.raises(ValueError), in_tenant(tenant_alpha), recorded_run("test.fails"):
        raise ValueError("the data was odd")
    ok = JobRun.objects.get(job_name="test.succeeds")
    failed = JobRun.objects.get(job_name="test.fails")
    assert (ok.status, ok.items_processed, ok.tenant_schema) == ("succeeded", 7, "")
    assert ok.finished_at >= ok.started_at
    assert (failed.status, failed.tenant_schema, failed.error) == ("failed", "t_alpha", "ValueError: the data was odd")


def test_per_tenant_jobs_run_in_that_tenant(tenant_alpha, tenant_beta):
    assert run_tenant_job_now("bookings.reminders", tenant_beta) == 0


def test_platform_staff_see_every_run_and_members_only_their_own(member_client, staff_client, tenant_alpha,
                                                                 in_tenant):
    JobRun.objects.create(job_name="bookings.reminders", tenant_schema="t_alpha",
                          started_at="2026-11-20T10:00:00Z", status="succeeded", items_processed=3)
    JobRun.objects.create(job_name="bookings.reminders", tenant_schema="t_beta",
                          started_at="2026-11-20T10:00:00Z", status="succeeded", items_processed=4)
    owner = member_client(tenant_alpha, "alpha_owner")
    page = owner.get("/admin/jobs/jobrun/").content.decode()
    assert "1 job run" in page and "t_beta" not in page
    staff = staff_client()
    assert "2 job runs" in staff.get("/admin/jobs/jobrun/").content.decode()
