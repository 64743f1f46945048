"""Public pages through the real HTTP stack, against a minimal Django view on the same stack.

50 concurrent keep-alive clients load a tenant's home page, an appointment's month of bookable days (the
service page) and a day's free times (the slot listing), in turn, from gunicorn with the production
settings; then the same clients load /robots.txt, a plain Django view behind the same middleware and
tenant resolution (the baseline). The tenant has a realistic catalogue: an appointment with three staff
members, working hours and bookings, a group service with sessions, each with its own questions.

Prints `BENCH public_pages p95_ms=... rps=... baseline_rps=... ratio=...` (ratio = rps / baseline_rps),
with the p95 of each page, and `uncached_*`: the same pages at addresses never asked for before, so each is
worked out and rendered afresh (what a cache miss costs; public_site/page_cache.py), with
`uncached_ratio` = uncached_rps / baseline_rps; and `loaded_*`: the same pages as `p95_ms` while the tenant
takes one booking a second through the API (alternately an appointment of the service whose pages are read
and a seat in the group class), each of which retires cached pages.
Targets: p95 under 100 ms, ratio at least 0.40; uncached_p95_ms at most 100 and uncached_ratio at least
0.25; loaded_p95_ms at most 60.

The bookings all come from one address: the web server runs with ALLOT_RATE_LIMITS_ENABLED=0 (said so
when it starts).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import os
import shutil
import tempfile
import threading
import time

from tests.bench.harness import LoadResult, bench_environment, http_load, json_body, report, web_server

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 50))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 3000))
# Sync workers measured best on 2 cores (as for booking_contention): 2 x cores + 2.
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", 2 * (os.cpu_count() or 2) + 2))
HOST = "bench.localhost"
# How long pages are read under booking load, and how often the tenant takes a booking meanwhile.
LOADED_SECONDS = float(os.environ.get("BENCH_LOADED_SECONDS", 20))
BOOKING_INTERVAL_SECONDS = 1.0


def _setup() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from booking_core.acting import Actor
    from booking_core.models import FormField, Service, Session, StaffMember, WorkingHours
    from booking_core.services.bookings import ClientDetails, booking_create_individual
    from tenants.services import tenant_create

    owner = get_user_model().objects.create_user(email="bench-owner@example.com", password="x")
    tenant = tenant_create(slug="bench", display_name="Bench Studio", owner=owner, timezone="Europe/Budapest")
    connection.set_tenant(tenant)
    consultation = Service.objects.create(
        kind="individual", slug="consultation", name_en="Consultation", name_hu="Konzultáció",
        name_de="Beratung", description_en="One hour, one to one.", duration_minutes=60, slot_interval_minutes=30,
        buffer_after_minutes=15, price_amount=6000, min_notice_minutes=120, horizon_days=60, position=1,
    )
    FormField.objects.create(service=consultation, key="topic", field_type="single_choice", required=True,
                             label_en="Topic", choices=[{"value": "a", "en": "A"}, {"value": "b", "en": "B"}])
    FormField.objects.create(service=consultation, key="notes", field_type="long_text", label_en="Notes")
    staff = [StaffMember.objects.create(name=name) for name in ("Anna", "Max", "Zoé")]
    for member in staff:
        member.services.add(consultation)
        WorkingHours.objects.bulk_create([
            WorkingHours(staff=member, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))
            for weekday in range(5)
        ])
    group = Service.objects.create(kind="group", slug="group-class", name_en="Group class", duration_minutes=60,
                                   max_seats_per_booking=3, min_notice_minutes=60, horizon_days=60, position=2)
    FormField.objects.create(service=group, key="consent", field_type="checkbox", required=True,
                             label_en="I accept the house rules")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    Session.objects.bulk_create([
        Session(service=group, starts_at=now + dt.timedelta(days=day, hours=18 - now.hour),
                ends_at=now + dt.timedelta(days=day, hours=19 - now.hour), capacity=12, location="Studio 1")
        for day in range(1, 40, 2)
    ])
    # A busy month: every staff member has a few appointments on most weekdays.
    zone = tenant.zone
    today = now.astimezone(zone).date()
    day = today + dt.timedelta(days=1)
    booked = 0
    while day <= today + dt.timedelta(days=30):
        if day.weekday() < 5:
            for index, member in enumerate(staff):
                for hour in (10 + index, 14 + index):
                    booking_create_individual(
                        tenant=tenant, service=consultation, staff=member,
                        starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=zone),
                        client=ClientDetails(f"Client {booked}", f"client{booked}@example.com"),
                        answers={"topic": "a"}, actor=Actor.system("bench"),
                    )
                    booked += 1
        day += dt.timedelta(days=1)
    busy_day = today + dt.timedelta(days=7)
    while busy_day.weekday() >= 5:
        busy_day += dt.timedelta(days=1)
    # What the booking load books: the consultation's free times from the day after the busy month, and the
    # group class's sessions.
    from booking_core.selectors.availability import free_slots

    later = free_slots(service=consultation, zone=zone, date_from=today + dt.timedelta(days=31),
                       date_to=today + dt.timedelta(days=59))
    free_starts = sorted({slot.starts_at for slot in later})
    session_ids = list(Session.objects.filter(service=group).order_by("starts_at").values_list("pk", flat=True))
    connection.set_schema_to_public()
    return {"busy_day": busy_day, "bookings": booked, "consultation_id": consultation.pk, "group_id": group.pk,
            "free_starts": free_starts, "session_ids": session_ids}


class BookingLoad:
    """One booking a second through the public API while pages are read, alternately an appointment of the
    consultation (whose pages are read) and a seat in the group class."""

    def __init__(self, port: int, setup: dict):
        self.port, self.setup = port, setup
        self.statuses: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _body(self, index: int) -> bytes:
        client = {"name": f"Load {index}", "email": f"load{index}@example.com"}
        if index % 2 == 0 and index // 2 < len(self.setup["free_starts"]):
            return json_body({"service": self.setup["consultation_id"], "client": client, "answers": {"topic": "a"},
                              "starts_at": self.setup["free_starts"][index // 2].isoformat()})
        sessions = self.setup["session_ids"]
        return json_body({"service": self.setup["group_id"], "session": sessions[index % len(sessions)], "seats": 1,
                          "client": client, "answers": {"consent": True}})

    def _run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        index = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection.request("POST", "/api/v1/bookings/", body=self._body(index),
                                   headers={"Host": HOST, "Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            index += 1
            next_at += BOOKING_INTERVAL_SECONDS
            self._stop.wait(max(0.0, next_at - time.monotonic()))
        connection.close()

    def __enter__(self) -> BookingLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def booked(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def refused(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 201)


def _rotate(paths: list[str]):
    def request(index: int):
        return "GET", paths[index % len(paths)], None

    return request


def _uncached(paths: list[str]):
    """Every request a different address: each page is worked out and rendered afresh (no page cache)."""

    def request(index: int):
        return "GET", f"{paths[index % len(paths)]}&fresh={index}", None

    return request


def _per_page(port: int, paths: dict[str, str]) -> dict[str, LoadResult]:
    return {name: http_load(port, HOST, concurrency=CONCURRENCY, total=max(300, REQUESTS // 5),
                            request=_rotate([path])) for name, path in paths.items()}


def main() -> None:
    # As in the image: the manifest storage serves what collectstatic gathered (hashed names, compressed).
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    os.environ["STATIC_ROOT"] = static_root
    # Every booking of the load comes from this one address: the rate limits would refuse most of them.
    os.environ["ALLOT_RATE_LIMITS_ENABLED"] = "0"
    print("bench: public_pages runs the web server with ALLOT_RATE_LIMITS_ENABLED=0 (rate limits off: the "
          "booking load comes from one address)", flush=True)
    with bench_environment("public_pages") as env:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        setup = _setup()
        pages = {
            "home": "/?lang=en",
            "service": "/s/consultation/?lang=en",
            "slots": f"/s/consultation/day/{setup['busy_day'].isoformat()}/?lang=en",
        }
        with web_server(env, workers=WEB_WORKERS, threads=1, worker_class="sync") as port:
            # warm every worker's tenant and catalogue caches and database connection
            http_load(port, HOST, concurrency=CONCURRENCY, total=600,
                      request=_rotate([*pages.values(), "/robots.txt"]))
            mixed = http_load(port, HOST, concurrency=CONCURRENCY, total=REQUESTS,
                              request=_rotate(list(pages.values())))
            baseline = http_load(port, HOST, concurrency=CONCURRENCY, total=REQUESTS,
                                 request=_rotate(["/robots.txt"]))
            single = _per_page(port, pages)
            uncached = http_load(port, HOST, concurrency=CONCURRENCY, total=max(300, REQUESTS // 5),
                                 request=_uncached(list(pages.values())))
            # the same mix as `mixed` for about LOADED_SECONDS, while the tenant takes a booking a second
            with BookingLoad(port, setup) as booking_load:
                loaded = http_load(port, HOST, concurrency=CONCURRENCY,
                                   total=max(REQUESTS, int(mixed.rps * LOADED_SECONDS)),
                                   request=_rotate(list(pages.values())))
        errors = sum(count for status, count in mixed.statuses.items() if status != 200)
        errors += sum(count for status, count in baseline.statuses.items() if status != 200)
        errors += sum(count for status, count in uncached.statuses.items() if status != 200)
        errors += sum(count for status, count in loaded.statuses.items() if status != 200)
        report(
            "public_pages",
            p95_ms=mixed.percentile(0.95), rps=mixed.rps, baseline_rps=baseline.rps, ratio=mixed.rps / baseline.rps,
            median_ms=mixed.median_ms, baseline_p95_ms=baseline.percentile(0.95),
            home_p95_ms=single["home"].percentile(0.95), service_p95_ms=single["service"].percentile(0.95),
            slots_p95_ms=single["slots"].percentile(0.95), uncached_rps=uncached.rps,
            uncached_p95_ms=uncached.percentile(0.95), uncached_ratio=uncached.rps / baseline.rps,
            loaded_p95_ms=loaded.percentile(0.95), loaded_rps=loaded.rps, loaded_seconds=loaded.seconds,
            loaded_bookings=booking_load.booked, loaded_bookings_refused=booking_load.refused,
            errors=errors, concurrency=CONCURRENCY, bookings=setup["bookings"],
        )
    shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
