"""Booking under contention, through the real HTTP stack, against the database's own ceiling.

1. hot:    concurrent clients book one seat each in ONE session (every transaction waits on one row lock),
           with capacity for 90% of the attempts, so the last ones are refused;
2. spread: the same, over 100 sessions;
3. ceiling: pgbench runs the bare transaction (lock the session, count live seats, insert a booking,
           bump the counter) at the same concurrency on the hot-session shape.

ratio_hot = hot_rps / hot_ceiling_rps. overbooked counts sessions whose live seats exceed capacity or
whose counter disagrees with the live rows (must be 0).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import subprocess
import tempfile
from pathlib import Path

from tests.bench.harness import bench_environment, http_load, json_body, rate_limits_off, report, web_server

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 32))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 2000))
# Sync workers measured best on 2 cores (gthread loses ~25% to GIL contention); for one hot session,
# cores + 2 processes beat 2 x cores + 2 by ~15%: more processes only queue on the row lock and take the
# CPU from the one holding it.
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", (os.cpu_count() or 2) + 2))

CEILING_SCRIPT = """
\\set client random(1, {clients})
BEGIN;
SELECT capacity, seats_held FROM {schema}.booking_core_session WHERE id = {session} FOR UPDATE;
SELECT COALESCE(SUM(seats), 0) FROM {schema}.booking_core_booking
 WHERE session_id = {session} AND status IN ('pending', 'confirmed');
INSERT INTO {schema}.booking_core_booking
 (service_id, session_id, client_id, status, source, language, seats, starts_at, ends_at, answers, manage_token,
  cancellation_reason, cancelled_by, created_at, updated_at, confirmed_at)
 VALUES ({service}, {session}, :client, 'confirmed', 'web', 'en', 1, '{starts}', '{ends}', '[]',
  md5(random()::text || clock_timestamp()::text), '', '', now(), now(), now());
UPDATE {schema}.booking_core_session SET seats_booked = seats_booked + 1 WHERE id = {session};
END;
"""


def _setup():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from booking_core.models import Client, Service, Session
    from tenants.services import tenant_create

    owner = get_user_model().objects.create_user(email="bench-owner@example.com", password="x")
    tenant = tenant_create(slug="bench", display_name="Bench", owner=owner)
    connection.set_tenant(tenant)
    service = Service.objects.create(kind="group", slug="hot", name_en="Hot", duration_minutes=60,
                                     min_notice_minutes=0, horizon_days=365, max_seats_per_booking=1)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    ends = starts + dt.timedelta(hours=1)

    def session(capacity):
        return Session.objects.create(service=service, starts_at=starts, ends_at=ends, capacity=capacity)

    hot = session(int(REQUESTS * 0.9))
    spread = [session(REQUESTS) for _ in range(100)]
    ceiling = session(10 * REQUESTS + 1000)
    clients = Client.objects.bulk_create([Client(name=f"P{i}", email=f"pg{i}@example.com") for i in range(100)])
    connection.set_schema_to_public()
    return {"tenant": tenant, "service": service, "hot": hot, "spread": spread, "ceiling": ceiling,
            "client_ids": [client.pk for client in clients], "starts": starts, "ends": ends}


def _booking_request(service_id: int, session_ids: list[int], prefix: str):
    def request(index: int):
        body = {"service": service_id, "session": random.choice(session_ids), "seats": 1,
                "client": {"name": f"Client {index}", "email": f"{prefix}{index}@example.com"}}
        return "POST", "/api/v1/bookings/", json_body(body)

    return request


def _ceiling_tps(setup) -> float:
    from django.db import connection

    from allot.config import parse_database_url

    pgbench = _pgbench_binary()
    settings_dict = parse_database_url(os.environ["DATABASE_URL"])
    script = CEILING_SCRIPT.format(
        schema=setup["tenant"].schema_name, session=setup["ceiling"].pk, service=setup["service"].pk,
        starts=setup["starts"].isoformat(), ends=setup["ends"].isoformat(), clients=100,
    ).replace(":client", f"(SELECT min(id) + :client - 1 FROM {setup['tenant'].schema_name}.booking_core_client)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    arguments = [pgbench, "-n", "-c", str(CONCURRENCY), "-j", "2", "-t", str(max(1, REQUESTS // CONCURRENCY)),
                 "-f", handle.name, "-d", settings_dict["NAME"], "-U", settings_dict["USER"] or "postgres"]
    if settings_dict["HOST"]:
        arguments += ["-h", settings_dict["HOST"]]
    if settings_dict["PORT"]:
        arguments += ["-p", settings_dict["PORT"]]
    env = {**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""}
    result = subprocess.run(arguments, capture_output=True, text=True, env=env, check=True)
    Path(handle.name).unlink()
    connection.close()
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    return float(match.group(1))


def _pgbench_binary() -> str:
    import pgserver._commands

    return str(pgserver._commands.POSTGRES_BIN_PATH / "pgbench")


def _overbooked(setup) -> int:
    from django.db import connection
    from django.db.models import Q, Sum

    from booking_core.models import Session

    connection.set_tenant(setup["tenant"])
    bad = 0
    live = Q(bookings__status__in=["pending", "confirmed"])
    for session in Session.objects.annotate(live=Sum("bookings__seats", filter=live)):
        live_seats = session.live or 0
        if live_seats > session.capacity or live_seats != session.seats_booked:
            bad += 1
    connection.set_schema_to_public()
    return bad


def main() -> None:
    with bench_environment("booking") as env:
        setup = _setup()
        host = "bench.localhost"
        with web_server(env, workers=WEB_WORKERS, threads=1, worker_class="sync") as port:
            service_id = setup["service"].pk
            warmup = [s.pk for s in setup["spread"][:5]]
            http_load(port, host, concurrency=8, total=100, request=_booking_request(service_id, warmup, "warm"))
            hot = http_load(port, host, concurrency=CONCURRENCY, total=REQUESTS,
                            request=_booking_request(service_id, [setup["hot"].pk], "hot"))
            spread = http_load(port, host, concurrency=CONCURRENCY, total=REQUESTS,
                               request=_booking_request(service_id, [s.pk for s in setup["spread"]], "spread"))
        ceiling = _ceiling_tps(setup)
        unexpected = {code: count for code, count in {**hot.statuses}.items() if code not in (201, 409)}
        report(
            "booking_contention",
            hot_rps=hot.rps, spread_rps=spread.rps, hot_ceiling_rps=ceiling, ratio_hot=hot.rps / ceiling,
            hot_p95_ms=hot.percentile(0.95), spread_p95_ms=spread.percentile(0.95),
            hot_booked=hot.statuses.get(201, 0), hot_refused=hot.statuses.get(409, 0),
            errors=sum(unexpected.values()) + sum(c for code, c in spread.statuses.items() if code != 201),
            concurrency=CONCURRENCY, overbooked=_overbooked(setup),
            # raised (counted, never reached) or off: the load comes from one address
            rate_limits="off" if rate_limits_off() else "raised",
        )


if __name__ == "__main__":
    main()
