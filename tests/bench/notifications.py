"""Notifications through real worker processes, a real Redis and a real SMTP server (aiosmtpd).

1. raw:     a plain smtplib loop sends the same email to the same sink over one connection (the ceiling);
2. idle:    a small tenant books one seat every 50 ms; commit -> SMTP latency per confirmation;
3. burst:   a big tenant queues 10,000 messages at once; meanwhile the small tenant keeps booking;
            small_tenant_p95_ms_during_burst is its commit -> SMTP latency, throughput_per_s how fast the
            burst drains. ratio = throughput / raw.
"""

from __future__ import annotations

import os
import signal
import smtplib
import statistics
import subprocess
import sys
import threading
import time

from tests.bench.harness import CHECKOUT_DIR, bench_environment, child_environment, report

IDLE_BOOKINGS = int(os.environ.get("BENCH_IDLE_BOOKINGS", 100))
BURST = int(os.environ.get("BENCH_BURST", 10_000))
RAW = int(os.environ.get("BENCH_RAW", 2000))
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKER_PROCESSES", 2))
WORKER_THREADS = int(os.environ.get("BENCH_WORKER_THREADS", 8))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def _setup():
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tenants.services import tenant_create
    from tests.factories import make_service, make_session

    owner = get_user_model().objects.create_user(email="bench-notify@example.com", password="x")
    tenants = {}
    for slug in ("big", "small"):
        tenant = tenant_create(slug=slug, display_name=f"{slug.title()} Studio", owner=owner)
        connection.set_tenant(tenant)
        service = make_service(name_en="Yoga", name_hu="Jóga", name_de="Yoga", min_notice_minutes=0)
        tenants[slug] = (tenant, make_session(service, capacity=100_000, starts_in_days=3, location="Studio 1"))
        connection.set_schema_to_public()
    return tenants


def _book(tenant, session, index: int) -> tuple[str, float]:
    """Book a seat; return the confirmation's Message-ID and the commit time."""
    from django.db import connection

    from allot.outbox.models import message_id_for
    from booking_core.acting import Actor
    from booking_core.services.bookings import ClientDetails, booking_create_group

    connection.set_tenant(tenant)
    booking = booking_create_group(tenant=tenant, session=session, seats=1, language="hu",
                                   client=ClientDetails(name=f"Client {index}", email=f"c{index}@example.com"),
                                   actor=Actor.client(f"c{index}@example.com"))
    committed = time.time()
    connection.set_schema_to_public()
    return message_id_for(tenant.schema_name, f"booking:{booking.pk}:confirmed"), committed


def _raw_smtp_rate(sink, sample: bytes) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for index in range(RAW):
            smtp.sendmail("bench@example.com", [f"raw{index}@example.com"], sample)
    return RAW / (time.perf_counter() - started)


def main() -> None:
    from tests.support.smtp_sink import SmtpSink

    with bench_environment("notify") as env:
        tenants = _setup()
        sink = SmtpSink().start()
        worker = subprocess.Popen(
            [sys.executable, "-m", "allot.cli", "worker", "--processes", str(WORKER_PROCESSES),
             "--threads", str(WORKER_THREADS)],
            env=child_environment({**env, "EMAIL_URL": sink.url}), cwd=CHECKOUT_DIR, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        stop = threading.Event()

        def scheduler():  # the relay pass, as the scheduler would run it
            from allot.outbox.tasks import relay_pass

            while not stop.wait(5):
                relay_pass()

        relay = threading.Thread(target=scheduler, daemon=True)
        relay.start()
        try:
            big, small = tenants["big"], tenants["small"]
            # warm-up: one confirmation through the whole pipeline
            _book(*small, 0)
            sink.wait_for(1, timeout=60)
            sample = sink.messages[0].raw
            raw_rate = _raw_smtp_rate(sink, sample)
            received_before = sink.count()

            # idle latency
            sent = {}
            for index in range(1, IDLE_BOOKINGS + 1):
                message_id, committed = _book(*small, index)
                sent[message_id] = committed
                time.sleep(0.05)
            sink.wait_for(received_before + IDLE_BOOKINGS, timeout=60)
            arrived = {m.message_id: m.received_at for m in sink.messages}
            idle = [(arrived[mid] - at) * 1000 for mid, at in sent.items() if mid in arrived]

            # burst with a small tenant booking alongside
            _book(*big, 0)
            received_before = sink.count()
            burst_started = _start_burst(big)
            during = {}
            for index in range(IDLE_BOOKINGS + 1, IDLE_BOOKINGS + 51):
                message_id, committed = _book(*small, index)
                during[message_id] = committed
                time.sleep(0.2)
            sink.wait_for(received_before + BURST + 50, timeout=600)
            finished = max(m.received_at for m in sink.messages)
            arrived = {m.message_id: m.received_at for m in sink.messages}
            small_during = [(arrived[mid] - at) * 1000 for mid, at in during.items() if mid in arrived]
            delivered = sink.count() - received_before
            throughput = delivered / (finished - burst_started)
            lost = (IDLE_BOOKINGS - len(idle)) + (50 - len(small_during)) + max(0, BURST + 50 - delivered)
        finally:
            stop.set()
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
            sink.stop()
        report(
            "notifications",
            throughput_per_s=throughput, commit_to_smtp_p95_ms=_percentile(idle, 0.95),
            commit_to_smtp_median_ms=statistics.median(idle) if idle else 0.0,
            small_tenant_p95_ms_during_burst=_percentile(small_during, 0.95), raw_smtp_per_s=raw_rate,
            ratio=throughput / raw_rate, burst=BURST, workers=f"{WORKER_PROCESSES}x{WORKER_THREADS}", lost=lost,
        )


def _start_burst(big) -> float:
    """Queue BURST confirmations of one of the big tenant's bookings at once (like a campaign)."""
    tenant, session = big
    from django.db import connection, transaction
    from django.utils import timezone

    from allot.outbox.models import OutboxMessage
    from allot.outbox.tasks import dispatch_tenant

    booking_id = OutboxMessage.objects.filter(tenant_schema=tenant.schema_name).latest("id").payload["booking_id"]
    now = timezone.now()
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [OutboxMessage(tenant_schema=tenant.schema_name, event_type="booking.confirmed", language="hu",
                           recipient=f"burst{i}@example.com", payload={"booking_id": booking_id},
                           idempotency_key=f"burst:{i}", next_attempt_at=now) for i in range(BURST)],
            batch_size=2000,
        )
    connection.set_schema_to_public()
    started = time.time()
    dispatch_tenant(tenant.schema_name)
    return started


if __name__ == "__main__":
    main()
