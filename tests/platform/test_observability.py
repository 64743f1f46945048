"""Errors and logs carry the tenant schema."""

import logging

import pytest
import sentry_sdk

from allot.logging import SecretLinkFilter, TenantSchemaFilter
from allot.sentry import init_sentry

pytestmark = pytest.mark.django_db


class CapturingTransport(sentry_sdk.transport.Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


def test_every_sentry_event_carries_the_tenant_schema(tenant_beta, in_tenant):
    # given: Sentry initialised with a transport that records instead of sending
    transport = CapturingTransport()
    init_sentry(dsn="https://key@sentry.invalid/1", environment="test", transport=transport)
    try:
        # when: something fails while working for beta
        with in_tenant(tenant_beta):
            try:
                raise RuntimeError("boom in beta")
            except RuntimeError as error:
                sentry_sdk.capture_exception(error)
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a disabled client
    # then
    assert len(transport.events) == 1
    assert transport.events[0]["tags"]["tenant"] == "t_beta"


def test_log_records_carry_the_tenant_schema(tenant_alpha, in_tenant):
    record = logging.LogRecord("allot", logging.INFO, __file__, 1, "hello", None, None)
    with in_tenant(tenant_alpha):
        TenantSchemaFilter().filter(record)
    assert record.tenant_schema == "t_alpha"



def test_secret_link_tokens_stay_out_of_logs_and_error_reports(tenant_beta, in_tenant):
    # given: a log line about a manage link, and an error while handling an offer link
    token = "Zq3xN8-abc_DEF12345678"
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s",
                               (f"/b/{token}/cancel/",), None)
    transport = CapturingTransport()
    init_sentry(dsn="https://key@sentry.invalid/1", environment="test", transport=transport)
    try:
        with in_tenant(tenant_beta):
            sentry_sdk.add_breadcrumb(message=f"GET /o/{token}/accept/")
            try:
                raise RuntimeError(f"offer /o/{token}/ failed")
            except RuntimeError as error:
                sentry_sdk.capture_exception(error)
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    # when
    SecretLinkFilter().filter(record)
    # then
    assert record.getMessage() == "Not Found: /b/[token]/cancel/"
    assert token not in str(transport.events)
    assert "/o/[token]/" in str(transport.events)


class CheckInTransport(sentry_sdk.transport.Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.check_ins = []

    def capture_envelope(self, envelope):
        self.check_ins += [item.payload.json for item in envelope.items if item.type == "check_in"]


def test_a_recorded_job_run_reports_sentry_cron_check_ins(settings):
    # given: Sentry configured
    from allot.jobs.models import JobRun
    from allot.jobs.runs import recorded_run

    settings.SENTRY_DSN = "https://key@sentry.invalid/1"
    transport = CheckInTransport()
    init_sentry(dsn=settings.SENTRY_DSN, environment="test", transport=transport)
    try:
        # when: one run succeeds and one fails
        with recorded_run("outbox.relay") as run:
            run.items_processed = 3
        with pytest.raises(RuntimeError), recorded_run("maintenance.prune"):
            raise RuntimeError("disk full")
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    # then: each run opened a check-in and closed it with its outcome, and is recorded
    assert [(item["monitor_slug"], item["status"]) for item in transport.check_ins] == [
        ("outbox-relay", "in_progress"), ("outbox-relay", "ok"),
        ("maintenance-prune", "in_progress"), ("maintenance-prune", "error")]
    assert transport.check_ins[0]["check_in_id"] == transport.check_ins[1]["check_in_id"]
    assert sorted(JobRun.objects.values_list("job_name", "status")) == [
        ("maintenance.prune", "failed"), ("outbox.relay", "succeeded")]
