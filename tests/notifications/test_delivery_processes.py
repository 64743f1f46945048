"""Real worker processes, a real Redis and a real SMTP server: nothing is lost, duplicates are bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from allot import embedded
from allot.outbox.models import OutboxMessage
from allot.outbox.tasks import relay_pass
from booking_core.services.bookings import booking_create_group
from tests.conftest import CHECKOUT_DIR, child_environment
from tests.factories import OPERATOR, client_details, make_session
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def test_a_committed_booking_is_mailed_by_the_worker_pool(committed_db, worker_process, sink, tenant_alpha,
                                                          in_tenant):
    # given: a worker sending to a real SMTP server
    worker_process(threads=2, EMAIL_URL=sink.url)
    # when: a booking commits
    with in_tenant(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=make_session(), seats=1, language="de",
                                       client=client_details(email="lena@example.de"), actor=OPERATOR)
    # then: its confirmation arrives, once, with the stable Message-ID
    assert sink.wait_for(1, timeout=20), "no mail arrived"
    row = OutboxMessage.objects.get(subject_ref=f"booking:{booking.pk}")
    assert [(m.message_id, m.recipients) for m in sink.messages] == [(row.message_id, ("lena@example.de",))]
    deadline = time.monotonic() + 10
    while OutboxMessage.objects.get(pk=row.pk).status != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OutboxMessage.objects.get(pk=row.pk).status == "sent"


def test_redis_down_at_commit_loses_nothing(committed_db, sink, tmp_path, tenant_alpha):
    # given: a Redis of its own that is down when the booking commits
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    redis_url = embedded.redis_url(redis_dir)
    embedded.stop_redis(redis_dir)
    env = child_environment(REDIS_URL=redis_url, EMAIL_URL=sink.url)
    worker = None
    try:
        # when: a separate process books and commits
        made = subprocess.run([sys.executable, "-m", "tests.support.make_booking", "alpha", "olga@example.com"],
                              env=env, cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=120)
        # then: the booking succeeded and its message waits in the outbox
        assert made.returncode == 0, made.stderr[-3000:]
        row = OutboxMessage.objects.get(recipient="olga@example.com")
        assert row.status == "pending"
        # when: Redis and a worker come back and the scheduler's relay pass runs
        embedded.redis_url(redis_dir)
        worker = subprocess.Popen([sys.executable, "-m", "allot.cli", "worker", "--processes", "1", "--threads",
                                   "2"], env=env, cwd=CHECKOUT_DIR, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "allot.cli", "scheduler", "--once"], env=env, cwd=CHECKOUT_DIR,
                       check=True, timeout=60, capture_output=True)
        # then: the mail is delivered
        assert sink.wait_for(1, timeout=30), "the message was lost"
        assert sink.messages[0].message_id == row.message_id
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        embedded.stop_redis(redis_dir)


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_only_what_was_in_flight(
    committed_db, worker_process, tenant_alpha, tenant_beta, in_tenant, monkeypatch
):
    # given: 240 messages for two tenants, a slow mail server, a worker with 4 threads, and a short lease
    # (how long a batch may take before the relay assumes its worker died) for the relay run from here
    monkeypatch.setattr("allot.outbox.relay.LEASE_SECONDS", 3)
    sink = SmtpSink(delay_seconds=0.01).start()
    threads = 4
    try:
        bookings = {}
        for tenant in (tenant_alpha, tenant_beta):
            with in_tenant(tenant):
                bookings[tenant.schema_name] = booking_create_group(
                    tenant=tenant, session=make_session(capacity=5), seats=1, client=client_details(), actor=OPERATOR)
        connection.set_schema_to_public()
        rows = [
            OutboxMessage(tenant_schema=schema, event_type="booking.confirmed", recipient=f"{schema}{i}@example.com",
                          payload={"booking_id": booking.pk}, idempotency_key=f"kill-test:{schema}:{i}",
                          next_attempt_at=booking.created_at)
            for schema, booking in bookings.items() for i in range(120)
        ]
        OutboxMessage.objects.bulk_create(rows)
        expected = {row.message_id for row in OutboxMessage.objects.all()}
        environment = {"EMAIL_URL": sink.url, "ALLOT_OUTBOX_LEASE_SECONDS": "3"}
        first = worker_process(threads=threads, **environment)
        relay_pass()
        # when: the worker is killed (SIGKILL, no goodbye) while it is sending
        assert sink.wait_for(40, timeout=60), "the first worker sent nothing"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        received_at_kill = sink.count()
        # and a new worker starts; the scheduler's relay pass runs every second
        worker_process(threads=threads, **environment)
        deadline = time.monotonic() + 90
        while OutboxMessage.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
            relay_pass()
            time.sleep(1)
        sink.wait_for(len(expected), timeout=5)
        # then: everything arrived, and only mail handed to the server at the moment of the kill came twice
        ids = sink.message_ids()
        assert set(ids) == expected
        assert received_at_kill < len(expected), "the kill must have happened mid-way"
        duplicates = len(ids) - len(set(ids))
        assert duplicates <= threads
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        sink.stop()
