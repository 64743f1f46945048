"""The platform's frequent passes (the outbox relay every 5 s, the pool refill every minute) record a job run only
when they did something or failed; a pass that found nothing is counted in the minute's summary instead."""

import datetime as dt

import pytest
import time_machine

from allot.jobs.models import JobRun, SchedulerMinute
from allot.outbox import tasks as outbox_tasks

pytestmark = pytest.mark.django_db

MINUTE = dt.datetime(2026, 11, 3, 9, 41, tzinfo=dt.UTC)


def _minutes() -> dict:
    return {row.minute: row.idle_runs for row in SchedulerMinute.objects.order_by("minute")}


def test_idle_relay_passes_leave_no_job_run_and_are_counted_in_the_minutes_summary(monkeypatch):
    # given a relay that finds nothing to hand out
    monkeypatch.setattr(outbox_tasks, "relay_pass", lambda: 0)
    # when it runs every 5 s for a minute (12 passes, from :02 to :57), then once in the next minute
    with time_machine.travel(MINUTE + dt.timedelta(seconds=2), tick=False) as clock:
        for _ in range(12):
            outbox_tasks.outbox_relay_pass()
            clock.shift(dt.timedelta(seconds=5))
        outbox_tasks.outbox_relay_pass()
    # then no job-run row, and each minute's summary counts its idle passes
    assert not JobRun.objects.filter(job_name="outbox.relay").exists()
    assert _minutes() == {MINUTE: {"outbox.relay": 12}, MINUTE + dt.timedelta(minutes=1): {"outbox.relay": 1}}


def test_a_relay_pass_that_handed_rows_out_or_failed_is_a_job_run(monkeypatch):
    with time_machine.travel(MINUTE, tick=False):
        # when a pass hands three rows out
        monkeypatch.setattr(outbox_tasks, "relay_pass", lambda: 3)
        outbox_tasks.outbox_relay_pass()

        # and another fails
        def broken():
            raise RuntimeError("Redis went away")

        monkeypatch.setattr(outbox_tasks, "relay_pass", broken)
        with pytest.raises(RuntimeError):
            outbox_tasks.outbox_relay_pass()
    # then each is a job-run row, and neither counts as idle
    runs = list(JobRun.objects.filter(job_name="outbox.relay").order_by("pk")
                .values_list("status", "items_processed", "error"))
    assert runs == [(JobRun.Status.SUCCEEDED, 3, ""), (JobRun.Status.FAILED, 0, "RuntimeError: Redis went away")]
    assert _minutes() == {}


def test_the_scheduler_fan_out_keeps_the_idle_counts_of_its_minute(monkeypatch):
    from allot.jobs.tasks import fan_out_minutely

    monkeypatch.setattr(outbox_tasks, "relay_pass", lambda: 0)
    with time_machine.travel(MINUTE + dt.timedelta(seconds=1), tick=False):
        # given an idle relay pass counted first in this minute
        outbox_tasks.outbox_relay_pass()
        # when the scheduler's fan-out writes the minute's summary
        fan_out_minutely()
        # and another idle pass follows
        outbox_tasks.outbox_relay_pass()
    # then one row holds both: the fan-out's figures and the idle passes
    minute = SchedulerMinute.objects.get()
    assert minute.idle_runs == {"outbox.relay": 2}
    assert minute.tenants_serving >= 1
