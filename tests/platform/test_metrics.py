"""/metrics: Prometheus figures for operators, readable from inside the cluster or with a token only."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from allot.jobs.models import JobRun
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.errors import CapacityError
from booking_core.services.bookings import ClientDetails, booking_create_group
from tests.factories import make_service, make_session

pytestmark = pytest.mark.django_db

OUTSIDE = "81.2.69.160"


def _metrics(client, **extra):
    return client.get("/metrics", **extra)


def test_metrics_are_served_to_loopback_on_the_root_domain_and_on_tenant_hosts(client_for, tenant_alpha):
    for client in (client_for(None), client_for(tenant_alpha)):
        response = _metrics(client, REMOTE_ADDR="127.0.0.1")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")


@pytest.mark.parametrize("remote_addr", ["10.1.2.3", "172.16.0.7", "192.168.1.20", "::1"])
def test_metrics_are_served_to_private_cluster_addresses(client_for, remote_addr):
    assert _metrics(client_for(None), REMOTE_ADDR=remote_addr).status_code == 200


def test_metrics_are_hidden_from_outside_and_from_anything_that_came_through_a_proxy(client_for):
    client = client_for(None)
    assert _metrics(client, REMOTE_ADDR=OUTSIDE).status_code == 404
    assert _metrics(client, REMOTE_ADDR="203.0.113.9").status_code == 404  # documentation range: not inside
    # the ingress forwards from a private address: what it forwards comes from outside
    assert _metrics(client, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    assert _metrics(client, REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP=OUTSIDE).status_code == 404


def test_a_bearer_token_opens_the_metrics_from_anywhere_and_a_wrong_one_does_not(client_for, settings):
    settings.ALLOT_METRICS_TOKEN = "s3cret-scrape-token"
    client = client_for(None)
    good = _metrics(client, REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR=OUTSIDE,
                    HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert good.status_code == 200 and b"allot_outbox_messages" in good.content
    assert _metrics(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer guess").status_code == 404
    # a wrong token is refused even from inside: whoever sends one means to be checked
    assert _metrics(client, REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer guess").status_code == 404


def test_private_addresses_can_be_refused_so_that_only_the_token_opens_them(client_for, settings):
    settings.ALLOT_METRICS_ALLOW_PRIVATE = False
    settings.ALLOT_METRICS_TOKEN = "t0ken"
    client = client_for(None)
    assert _metrics(client, REMOTE_ADDR="127.0.0.1").status_code == 404
    assert _metrics(client, REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer t0ken").status_code == 200


def test_request_latency_is_labelled_by_route_name_not_by_path(client_for, tenant_alpha):
    client = client_for(tenant_alpha)
    # when: two different services' slots are asked for (two paths, one route)
    client.get("/api/v1/services/424242/slots/")
    client.get("/api/v1/services/434343/slots/")
    body = _metrics(client, REMOTE_ADDR="127.0.0.1").content.decode()
    # then
    assert 'route="api-service-slots"' in body
    assert "424242" not in body and "434343" not in body
    count = REGISTRY.get_sample_value("allot_http_request_duration_seconds_count",
                                      {"route": "api-service-slots", "method": "GET", "status": "404"})
    assert count >= 2


def test_outbox_messages_per_state_and_job_runs_per_status_are_counted_at_scrape(client_for):
    # given: two pending and one dead message, two recent runs (one failed) and one from last week
    now = timezone.now()
    for index, status in enumerate(["pending", "pending", "dead", "sent"]):
        OutboxMessage.objects.create(tenant_schema="t_alpha", event_type="booking.confirmed",
                                     recipient=f"m{index}@example.com", idempotency_key=f"metrics-{index}",
                                     status=status, next_attempt_at=now)
    JobRun.objects.create(job_name="outbox.relay", started_at=now, status="succeeded")
    JobRun.objects.create(job_name="outbox.relay", started_at=now, status="failed")
    JobRun.objects.create(job_name="outbox.relay", started_at=now - dt.timedelta(days=7), status="failed")
    # when
    body = _metrics(client_for(None), REMOTE_ADDR="127.0.0.1").content.decode()
    # then
    assert 'allot_outbox_messages{state="pending"} 2.0' in body
    assert 'allot_outbox_messages{state="dead"} 1.0' in body
    assert 'allot_outbox_messages{state="failed"} 0.0' in body
    assert 'allot_job_runs{job="outbox.relay",status="succeeded"} 1.0' in body
    assert 'allot_job_runs{job="outbox.relay",status="failed"} 1.0' in body


def _sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_bookings_count_after_commit_and_refusals_count_by_reason(tenant_alpha, in_tenant, client_for,
                                                                   django_capture_on_commit_callbacks):
    bookings_before = _sample("allot_bookings_total", kind="group")
    refusals_before = _sample("allot_booking_refusals_total", kind="group", reason="CapacityError")
    with in_tenant(tenant_alpha):
        session = make_session(make_service(), capacity=1)
        # when: one booking commits, and the next finds the session full
        with django_capture_on_commit_callbacks(execute=True):
            booking_create_group(tenant=tenant_alpha, session=session, seats=1,
                                 client=ClientDetails(name="A", email="a@example.com"),
                                 actor=Actor.client("a@example.com"))
        with pytest.raises(CapacityError), django_capture_on_commit_callbacks(execute=True):
            booking_create_group(tenant=tenant_alpha, session=session, seats=1,
                                 client=ClientDetails(name="B", email="b@example.com"),
                                 actor=Actor.client("b@example.com"))
    # then
    assert _sample("allot_bookings_total", kind="group") == bookings_before + 1
    assert _sample("allot_booking_refusals_total", kind="group", reason="CapacityError") == refusals_before + 1
    body = _metrics(client_for(None), REMOTE_ADDR="127.0.0.1").content.decode()
    assert "allot_bookings_total{" in body and "allot_booking_refusals_total{" in body


def test_a_booking_whose_transaction_rolls_back_is_not_counted(tenant_alpha, in_tenant):
    from django.db import transaction

    before = _sample("allot_bookings_total", kind="group")
    with in_tenant(tenant_alpha):
        session = make_session(make_service(), capacity=5)
        with pytest.raises(RuntimeError), transaction.atomic():
            booking_create_group(tenant=tenant_alpha, session=session, seats=1,
                                 client=ClientDetails(name="A", email="a@example.com"),
                                 actor=Actor.client("a@example.com"))
            raise RuntimeError("rolled back")
    assert _sample("allot_bookings_total", kind="group") == before
