"""The back office under its operators: the dashboard, this week's calendar and the bookings list of a tenant
with 20 staff members and 20,000 bookings, loaded by 20 operators at once through the real HTTP stack
(gunicorn, production settings), each signed in with a session of their own.

The bookings are set straight in the database (bulk inserts: the scene, not the code under test): a year of
appointments (half past, half to come) of 20 staff members on weekdays, 8:00-18:00 in the tenant's zone, and
group sessions with their bookings, past ones attended, cancelled or no-shows, made two weeks before they start.

Each of the 20 operators works like a person: loads a page, looks at it for about a second (0.5-1.5 s,
BENCH_THINK_SECONDS=1.0), loads the next; first each page alone, then the three in turn. Prints
`BENCH backoffice p95_ms=... dashboard_p95_ms=... week_p95_ms=... list_p95_ms=...` (p95_ms: the three pages in
turn), and `saturated_rps` / `saturated_p95_ms`: the same 20 operators without pausing (a closed loop: what
the machine can serve at most, and how long requests queue then). Target: p95 <= 150 ms for each page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import shutil
import tempfile

from tests.bench.harness import LoadResult, bench_environment, http_load, report, web_server

OPERATORS = int(os.environ.get("BENCH_OPERATORS", 20))
STAFF = 20
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", 20_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 900))
THINK_SECONDS = float(os.environ.get("BENCH_THINK_SECONDS", 1.0))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", 2 * (os.cpu_count() or 2) + 2))
HOST = "bench.localhost"
GROUP_SHARE = 0.2  # of the bookings, the share in group sessions


def _setup() -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as TestClient
    from django.utils import timezone

    from booking_core.models import Booking, Client, Service, Session, StaffMember, WorkingHours
    from tenants.middleware import SESSION_SCHEMA_KEY
    from tenants.models import Membership
    from tenants.services import membership_add, tenant_create

    users = get_user_model()
    owner = users.objects.create_user(email="bench-owner@example.com", password="x")
    tenant = tenant_create(slug="bench", display_name="Bench Studio", owner=owner, timezone="Europe/Budapest")
    operators = [owner] + [users.objects.create_user(email=f"operator{number}@example.com", password="x")
                           for number in range(1, OPERATORS)]
    for user in operators[1:]:
        membership_add(tenant=tenant, user=user, role=Membership.Role.ADMIN)
    connection.set_tenant(tenant)
    zone = tenant.zone
    random.seed(14)
    massage = Service.objects.create(kind="individual", slug="massage", name_en="Massage", duration_minutes=45,
                                     slot_interval_minutes=15, price_amount=9000, position=1)
    class_service = Service.objects.create(kind="group", slug="class", name_en="Class", duration_minutes=60,
                                           price_amount=3000, position=2)
    staff = [StaffMember.objects.create(name=f"Staff {number:02d}") for number in range(STAFF)]
    for member in staff:
        member.services.add(massage)
        WorkingHours.objects.bulk_create([WorkingHours(staff=member, weekday=weekday, start_time=dt.time(8),
                                                       end_time=dt.time(18)) for weekday in range(5)])
    clients = Client.objects.bulk_create([Client(name=f"Client {number}", email=f"client{number}@example.com")
                                          for number in range(BOOKINGS // 4)])
    now = timezone.now()
    today = now.astimezone(zone).date()
    first_day = today - dt.timedelta(days=182)
    weekdays = [first_day + dt.timedelta(days=offset) for offset in range(365)
                if (first_day + dt.timedelta(days=offset)).weekday() < 5]
    # group sessions: two a weekday, 12 seats
    sessions = Session.objects.bulk_create([
        Session(service=class_service, capacity=12, location="Studio",
                starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=zone),
                ends_at=dt.datetime.combine(day, dt.time(hour + 1), tzinfo=zone))
        for day in weekdays for hour in (7, 19)])
    group_count = int(BOOKINGS * GROUP_SHARE)
    appointment_count = BOOKINGS - group_count

    def status_for(starts_at):
        if starts_at > now:
            return "cancelled" if random.random() < 0.05 else "confirmed"
        roll = random.random()
        return "cancelled" if roll < 0.08 else "no_show" if roll < 0.12 else "attended"

    rows = []
    # appointments: each staff member's day cut into 45-minute slots, filled at random without overlaps
    cells = [(member, day, minute) for member in staff for day in weekdays for minute in range(0, 600 - 45 + 1, 45)]
    for member, day, minute in random.sample(cells, appointment_count):
        starts_at = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + dt.timedelta(minutes=minute)
        status = status_for(starts_at)
        rows.append(Booking(service=massage, staff=member, client=random.choice(clients), status=status,
                            source=random.choice(["web", "web", "operator", "api"]), starts_at=starts_at,
                            ends_at=starts_at + dt.timedelta(minutes=45), blocked_from=starts_at,
                            blocked_until=starts_at + dt.timedelta(minutes=45),
                            cancelled_at=starts_at - dt.timedelta(days=1) if status == "cancelled" else None,
                            manage_token=f"bench-a-{len(rows)}"))
    seats_booked = {}
    session_cycle = itertools.cycle(random.sample(sessions, len(sessions)))
    for _number in range(group_count):
        session = next(session_cycle)
        status = status_for(session.starts_at)
        if status != "cancelled":
            seats_booked[session.pk] = seats_booked.get(session.pk, 0) + 1
        rows.append(Booking(service=class_service, session=session, client=random.choice(clients), status=status,
                            starts_at=session.starts_at, ends_at=session.ends_at,
                            cancelled_at=session.starts_at - dt.timedelta(days=1) if status == "cancelled" else None,
                            manage_token=f"bench-g-{len(rows)}"))
    Booking.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # made two weeks before they start (auto_now_add stamped them all "now")
        cursor.execute(f"UPDATE {Booking._meta.db_table} SET created_at = starts_at - interval '14 days', "
                       "confirmed_at = starts_at - interval '14 days'")
        for session_id, seats in seats_booked.items():
            live = seats  # past sessions' attended/no-show seats stay counted as booked, like the real counter
            cursor.execute(f"UPDATE {Session._meta.db_table} SET seats_booked = %s, capacity = GREATEST(capacity, %s) "
                           "WHERE id = %s", [live, live, session_id])
        cursor.execute("ANALYZE")
    connection.set_schema_to_public()
    cookies = []
    for user in operators:
        browser = TestClient(HTTP_HOST=HOST)
        browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = browser.session
        session[SESSION_SCHEMA_KEY] = tenant.schema_name
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}")
    return {"cookies": cookies, "today": today, "bookings": len(rows)}


def operators_load(port: int, cookies: list[str], *, total: int, paths: list[str],
                   think_seconds: float = 0.0) -> LoadResult:
    """`total` GETs, pages in turn, from one keep-alive connection per operator (each with their own session),
    each operator pausing 0.5-1.5 x `think_seconds` between pages; a non-200 answer counts as an error."""
    return http_load(port, HOST, concurrency=len(cookies), total=total, cookies=cookies,
                     headers={"Accept-Language": "en"}, think_seconds=think_seconds,
                     request=lambda index: ("GET", paths[index % len(paths)], None))


def main() -> None:
    # As in the image: the manifest storage serves what collectstatic gathered (hashed names, compressed).
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    os.environ["STATIC_ROOT"] = static_root
    with bench_environment("backoffice") as env:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        setup = _setup()
        pages = {"dashboard": "/office/", "week": f"/office/calendar/?date={setup['today'].isoformat()}",
                 "list": "/office/bookings/"}
        with web_server(env, workers=WEB_WORKERS, threads=1, worker_class="sync") as port:
            # warm every worker's caches and connections
            warm = operators_load(port, setup["cookies"], total=300, paths=list(pages.values()))
            assert set(warm.statuses) == {200}, f"the pages did not answer 200: {warm.statuses}"
            single = {name: operators_load(port, setup["cookies"], total=REQUESTS // 2, paths=[path],
                                           think_seconds=THINK_SECONDS)
                      for name, path in pages.items()}
            mixed = operators_load(port, setup["cookies"], total=REQUESTS, paths=list(pages.values()),
                                   think_seconds=THINK_SECONDS)
            saturated = operators_load(port, setup["cookies"], total=300, paths=list(pages.values()))
        errors = sum(count for result in (*single.values(), mixed, saturated)
                     for status, count in result.statuses.items() if status != 200)
        report(
            "backoffice",
            p95_ms=mixed.percentile(0.95),
            dashboard_p95_ms=single["dashboard"].percentile(0.95), week_p95_ms=single["week"].percentile(0.95),
            list_p95_ms=single["list"].percentile(0.95), median_ms=mixed.median_ms, rps=mixed.rps,
            dashboard_median_ms=single["dashboard"].median_ms, week_median_ms=single["week"].median_ms,
            list_median_ms=single["list"].median_ms, saturated_rps=saturated.rps,
            saturated_p95_ms=saturated.percentile(0.95), think_seconds=THINK_SECONDS, errors=errors,
            operators=len(setup["cookies"]),
            staff=STAFF, bookings=setup["bookings"], workers=WEB_WORKERS,
        )
    shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
