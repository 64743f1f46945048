"""Prometheus metrics: request latency by route, booking and refusal counters, and figures read from the
database at scrape time (outbox messages per state, recent job runs per status).

Under gunicorn several processes serve; each keeps its own counters. With `PROMETHEUS_MULTIPROC_DIR` set
(`allot web` sets it), prometheus-client writes them to files there and a scrape adds up every process.
`/metrics` answers on every host, before tenant resolution, but only to requests from loopback or private
(cluster) addresses that did not come through a proxy, or with `Authorization: Bearer <ALLOT_METRICS_TOKEN>`.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from allot.errors import ApplicationError

REQUEST_LATENCY = Histogram(
    "allot_http_request_duration_seconds", "Time to answer an HTTP request, by route name (not path).",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOOKINGS = Counter("allot_bookings", "Bookings created (counted after commit).", ["kind"])
BOOKING_REFUSALS = Counter("allot_booking_refusals", "Booking attempts refused, by reason.", ["kind", "reason"])

UNMATCHED_ROUTE = "<unmatched>"
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
OUTBOX_STATES = ("pending", "inflight", "failed", "dead")
JOB_RUNS_WINDOW_HOURS = 24
# Loopback and the private ranges clusters use for pods and nodes (RFC 1918, shared address space, ULA).
INSIDE_NETWORKS = [ipaddress.ip_network(network) for network in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
)]


# --- counters services call ------------------------------------------------------------------------------


def booking_created(kind: str) -> None:
    """Count a booking once the transaction that wrote it commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: BOOKINGS.labels(kind=kind).inc())


def counts_refusals(kind: str):
    """Decorator for a booking service: every ApplicationError it raises counts as a refusal."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except ApplicationError as error:
                BOOKING_REFUSALS.labels(kind=kind, reason=type(error).__name__).inc()
                raise

        return wrapper

    return decorate


# --- figures read at scrape time ---------------------------------------------------------------------------


class DatabaseCollector:
    """Outbox messages per state and job runs per status, counted in the public schema when scraped."""

    def collect(self):
        outbox = GaugeMetricFamily("allot_outbox_messages", "Outbox messages not yet settled, per state.",
                                   labels=["state"])
        jobs = GaugeMetricFamily("allot_job_runs", f"Job runs started in the last {JOB_RUNS_WINDOW_HOURS} hours, "
                                 "per job and status.", labels=["job", "status"])
        from allot.jobs.models import JobRun
        from allot.outbox.models import OutboxMessage

        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT status, count(*) FROM {OutboxMessage._meta.db_table} WHERE status = ANY(%s) GROUP BY status",
                [list(OUTBOX_STATES)],
            )
            counts = dict(cursor.fetchall())
            cursor.execute(
                f"SELECT job_name, status, count(*) FROM {JobRun._meta.db_table} "
                "WHERE started_at > now() - make_interval(hours => %s) GROUP BY job_name, status ORDER BY 1, 2",
                [JOB_RUNS_WINDOW_HOURS],
            )
            runs = cursor.fetchall()
        for state in OUTBOX_STATES:
            outbox.add_metric([state], counts.get(state, 0))
        for job, status, count in runs:
            jobs.add_metric([job, status], count)
        yield outbox
        yield jobs


def render() -> bytes:
    """The exposition text: this process's (or, in multiprocess mode, every process's) metrics, then the
    database figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(registry) + generate_latest(database)


# --- who may read them ----------------------------------------------------------------------------------


def _from_inside(request) -> bool:
    """A request from a loopback or private address that no proxy forwarded (the ingress sets these headers)."""
    if any(request.META.get(header) for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in INSIDE_NETWORKS)


def may_read_metrics(request) -> bool:
    token = settings.ALLOT_METRICS_TOKEN
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if token and authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization[len("Bearer "):].strip().encode(), token.encode())
    return settings.ALLOT_METRICS_ALLOW_PRIVATE and _from_inside(request)


# --- middleware -------------------------------------------------------------------------------------------


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_ROUTE
    return match.view_name or match.route or UNMATCHED_ROUTE


class MetricsMiddleware:
    """Serves /metrics (any host, before tenant resolution) and times every other request by route name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/metrics" or request.path == "/metrics/":
            if not settings.ALLOT_METRICS_ENABLED or not may_read_metrics(request):
                return HttpResponseNotFound(b"Not Found", content_type="text/plain")
            return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUEST_LATENCY.labels(route=route_of(request), method=method, status=str(response.status_code)
                               ).observe(time.perf_counter() - started)
        return response
