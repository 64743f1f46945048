"""Outgoing webhooks through real worker processes and real HTTP receivers (tests/support/webhook_receiver.py).

Three tenants, each with one endpoint on a receiver of its own that verifies every signature:
- slow:   its receiver answers after 2 s; SLOW_EVENTS booking events are queued at once;
- bulk:   BULK_EVENTS booking events queued at once (throughput_per_s is how fast they drain);
- fast:   books one seat every 50 ms, first alone (IDLE_EVENTS: commit_to_delivery_p95_ms, commit ->
          verified receipt), then while the others drain (FAST_EVENTS: fast_tenant_p95_ms_during_slow).
lost = events never received; duplicates = deliveries beyond the first of an event id (at-least-once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from tests.bench.harness import CHECKOUT_DIR, bench_environment, child_environment, report

SLOW_EVENTS = int(os.environ.get("BENCH_WEBHOOK_SLOW_EVENTS", 200))
BULK_EVENTS = int(os.environ.get("BENCH_WEBHOOK_BULK_EVENTS", 4700))
FAST_EVENTS = int(os.environ.get("BENCH_WEBHOOK_FAST_EVENTS", 100))
IDLE_EVENTS = int(os.environ.get("BENCH_WEBHOOK_IDLE_EVENTS", 50))
SLOW_SECONDS = float(os.environ.get("BENCH_WEBHOOK_SLOW_SECONDS", 2))
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKER_PROCESSES", 2))
WORKER_THREADS = int(os.environ.get("BENCH_WORKER_THREADS", 8))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def _setup(receivers):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from booking_core.acting import Actor
    from booking_core.webhooks.services import webhook_endpoint_create
    from tenants.services import tenant_create
    from tests.factories import make_service, make_session

    owner = get_user_model().objects.create_user(email="bench-webhooks@example.com", password="x")
    tenants = {}
    for slug, receiver in receivers.items():
        tenant = tenant_create(slug=slug, display_name=f"{slug.title()} Studio", owner=owner)
        connection.set_tenant(tenant)
        service = make_service(name_en="Yoga", min_notice_minutes=0)
        session = make_session(service, capacity=100_000, starts_in_days=3)
        endpoint = webhook_endpoint_create(actor=Actor.system("bench"), url=receiver.url,
                                           event_types=["booking.created"])
        receiver.secrets.append(endpoint.secret)
        tenants[slug] = (tenant, session)
        connection.set_schema_to_public()
    return tenants


def _book(tenant, session, index: int) -> float:
    from django.db import connection

    from booking_core.acting import Actor
    from booking_core.services.bookings import ClientDetails, booking_create_group

    connection.set_tenant(tenant)
    booking_create_group(tenant=tenant, session=session, seats=1,
                         client=ClientDetails(name=f"Client {index}", email=f"c{index}@example.com"),
                         actor=Actor.client(f"c{index}@example.com"))
    committed = time.time()
    connection.set_schema_to_public()
    return committed


def _latencies(receiver, committed: dict[int, float]) -> list[float]:
    """Commit -> receipt in ms of the events booked at the times in `committed` (by the client's number)."""
    offset = time.time() - time.monotonic()  # receipts are stamped with the monotonic clock
    latencies = []
    for item in receiver.received:
        index = int(item.event["data"]["client"]["name"].split()[-1])
        if index in committed:
            latencies.append((item.at + offset - committed[index]) * 1000)
    return latencies


def _queue_copies(tenant, count: int) -> None:
    """`count` more booking.created events of the tenant at once: copies of its latest event with new ids (a
    burst like an import; writing them through the booking service would take most of the run)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from allot.outbox.models import OutboxMessage
    from allot.outbox.tasks import dispatch_tenant
    from booking_core.webhooks.events import event_id_for
    from booking_core.webhooks.schedule import MAX_ATTEMPTS

    template = OutboxMessage.objects.filter(tenant_schema=tenant.schema_name, queue="webhook").latest("id")
    now = timezone.now()
    rows = []
    for index in range(count):
        event_id = event_id_for(tenant.schema_name, f"bench:{index}")
        event = {**template.payload["event"], "id": event_id}
        rows.append(OutboxMessage(tenant_schema=tenant.schema_name, event_type="webhook", queue="webhook",
                                  recipient="", payload={**template.payload, "event": event},
                                  idempotency_key=f"webhook:{event_id}", subject_ref=template.subject_ref,
                                  max_attempts=MAX_ATTEMPTS, next_attempt_at=now))
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(rows, batch_size=2000)
    connection.set_schema_to_public()
    dispatch_tenant(tenant.schema_name)


def main() -> None:
    os.environ["ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "1"
    with bench_environment("webhooks") as env:
        from tests.support.webhook_receiver import WebhookReceiver

        receivers = {"slow": WebhookReceiver(delay_seconds=SLOW_SECONDS).start(),
                     "bulk": WebhookReceiver().start(), "fast": WebhookReceiver().start()}
        tenants = _setup(receivers)
        worker = subprocess.Popen(
            [sys.executable, "-m", "allot.cli", "worker", "--processes", str(WORKER_PROCESSES),
             "--threads", str(WORKER_THREADS)],
            env=child_environment(env), cwd=CHECKOUT_DIR, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        stop = threading.Event()

        def scheduler():  # the relay pass, as the scheduler runs it
            from allot.outbox.tasks import relay_pass

            while not stop.wait(5):
                relay_pass()

        threading.Thread(target=scheduler, daemon=True).start()
        try:
            # warm-up: one event per tenant through the whole pipeline
            for tenant, session in tenants.values():
                _book(tenant, session, 0)
            for receiver in receivers.values():
                receiver.wait_for(1, timeout=60)
            # idle: the fast tenant alone
            committed = {}
            for index in range(1, IDLE_EVENTS + 1):
                committed[index] = _book(*tenants["fast"], index)
                time.sleep(0.05)
            receivers["fast"].wait_for(IDLE_EVENTS + 1, timeout=60)
            idle = _latencies(receivers["fast"], committed)
            _queue_copies(tenants["slow"][0], SLOW_EVENTS - 1)
            burst_started = time.time()
            _queue_copies(tenants["bulk"][0], BULK_EVENTS - 1)
            committed = {}
            for index in range(IDLE_EVENTS + 1, IDLE_EVENTS + FAST_EVENTS + 1):
                committed[index] = _book(*tenants["fast"], index)
                time.sleep(0.05)
            expected = {"slow": SLOW_EVENTS, "bulk": BULK_EVENTS, "fast": IDLE_EVENTS + FAST_EVENTS + 1}
            deadline = time.monotonic() + 900
            for slug, receiver in receivers.items():
                while len(set(receiver.event_ids())) < expected[slug] and time.monotonic() < deadline:
                    time.sleep(0.5)
            bulk_times = [item.at for item in receivers["bulk"].received]
            # receiver times are monotonic; turn the burst's start into the same clock
            offset = time.time() - time.monotonic()
            throughput = (BULK_EVENTS - 1) / max(0.001, max(bulk_times) + offset - burst_started)
            fast = _latencies(receivers["fast"], committed)
            lost = sum(max(0, expected[slug] - len(set(receiver.event_ids()))) for slug, receiver in receivers.items())
            duplicates = sum(len(receiver.event_ids()) - len(set(receiver.event_ids()))
                             for receiver in receivers.values())
            unverified = sum(1 for receiver in receivers.values() for item in receiver.received if not item.verified)
            slow_drained = len(set(receivers["slow"].event_ids())) >= SLOW_EVENTS
        finally:
            stop.set()
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
            for receiver in receivers.values():
                receiver.stop()
        report(
            "webhooks",
            throughput_per_s=throughput, commit_to_delivery_p95_ms=_percentile(idle, 0.95),
            fast_tenant_p95_ms_during_slow=_percentile(fast, 0.95), lost=lost, duplicates=duplicates,
            unverified=unverified, events=SLOW_EVENTS + BULK_EVENTS + IDLE_EVENTS + FAST_EVENTS + 1,
            slow_receiver_s=SLOW_SECONDS, slow_drained=slow_drained, workers=f"{WORKER_PROCESSES}x{WORKER_THREADS}",
        )


if __name__ == "__main__":
    main()
