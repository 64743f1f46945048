"""Webhooks through real worker processes: delivered after commit, nothing lost and duplicates only with the
same event id when a worker is killed mid-delivery, and a tenant's slow receiver does not hold back another
tenant's events."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connection

from allot.outbox.models import OutboxMessage
from allot.outbox.tasks import relay_pass
from booking_core.acting import Actor
from booking_core.services.bookings import booking_create_group
from booking_core.webhooks.services import webhook_endpoint_create
from tests.factories import OPERATOR, client_details, make_session
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow


def _endpoint(tenant, receiver, in_tenant):
    with in_tenant(tenant):
        endpoint = webhook_endpoint_create(actor=Actor.system("tests"), url=receiver.url,
                                           event_types=["booking.created"])
        session = make_session(capacity=500)
    connection.set_schema_to_public()
    receiver.secrets.append(endpoint.secret)
    return session


def _book(tenant, session, in_tenant, n: int) -> float:
    with in_tenant(tenant):
        booking_create_group(tenant=tenant, session=session, seats=1, actor=OPERATOR,
                             client=client_details(f"Client {n}", f"c{n}@{tenant.slug}.example.com"))
    connection.set_schema_to_public()
    return time.monotonic()


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_only_with_the_same_id(
        committed_db, worker_process, tenant_alpha, in_tenant, monkeypatch):
    # given: a receiver that takes a second to answer, 12 events, a short lease for the relay run from here
    monkeypatch.setattr("allot.outbox.relay.LEASE_SECONDS", 3)
    receiver = WebhookReceiver(delay_seconds=1).start()
    try:
        session = _endpoint(tenant_alpha, receiver, in_tenant)
        for n in range(12):
            _book(tenant_alpha, session, in_tenant, n)
        environment = {"ALLOT_OUTBOX_LEASE_SECONDS": "3"}
        first = worker_process(threads=4, **environment)
        relay_pass()
        # when: the worker is killed (SIGKILL) while deliveries wait on the receiver
        assert receiver.wait_for(2, timeout=60), "the first worker delivered nothing"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        # and a new worker starts; the relay pass runs every second
        worker_process(threads=4, **environment)
        deadline = time.monotonic() + 120
        while OutboxMessage.objects.filter(queue="webhook").exclude(status="sent").exists() and \
                time.monotonic() < deadline:
            relay_pass()
            time.sleep(1)
        time.sleep(1.5)  # a delivery of the killed worker may still be answered
        # then: every event arrived signed; repeats are only the few in flight at the kill, with the same id
        ids = receiver.event_ids()
        expected = {row.payload["event"]["id"] for row in OutboxMessage.objects.filter(queue="webhook")}
        assert set(ids) == expected and len(expected) == 12
        assert len(ids) - len(set(ids)) <= 4
        assert all(item.verified for item in receiver.received)
        assert set(OutboxMessage.objects.filter(queue="webhook").values_list("status", flat=True)) == {"sent"}
    finally:
        receiver.stop()


def test_a_slow_receiver_of_one_tenant_does_not_hold_back_another_tenants_events(
        committed_db, worker_process, tenant_alpha, tenant_beta, in_tenant):
    # given: alpha's receiver answers after 2 s and alpha has 20 events waiting; beta's receiver is quick
    slow, quick = WebhookReceiver(delay_seconds=2).start(), WebhookReceiver().start()
    try:
        alpha_session = _endpoint(tenant_alpha, slow, in_tenant)
        beta_session = _endpoint(tenant_beta, quick, in_tenant)
        worker_process(threads=8)
        for n in range(20):
            _book(tenant_alpha, alpha_session, in_tenant, n)
        assert slow.wait_for(1, timeout=30)
        # when: beta books while alpha's backlog drains
        committed = {f"Client {n}": _book(tenant_beta, beta_session, in_tenant, n) for n in range(5)}
        # then: beta's events arrive at once, long before alpha's backlog (20 x 2 s / 4 in flight) is through
        assert quick.wait_for(5, timeout=20)
        latencies = [item.at - committed[item.event["data"]["client"]["name"]] for item in quick.received]
        assert max(latencies) < 2.0, latencies
        assert len(slow.received) < 20
    finally:
        slow.stop()
        quick.stop()
