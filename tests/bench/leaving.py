"""Leaving: how long a data export takes and how much memory it holds, and what the console's activity and
storage columns cost.

One tenant gets BOOKINGS bookings (bulk-inserted, with their clients) and is exported by the real export code
(tenants.leaving.exports.export_write) into a temporary file: export_seconds, zip_bytes, rows, and
peak_python_mb, the peak of Python allocations during the export (tracemalloc), which should not grow with
BOOKINGS since rows stream from a server-side cursor. Then TENANTS further schemas are cloned and the
console's activity read (console_tenant_activity: sizes, newest booking per schema, members' sign-ins) is
timed over a page of them: activity_ms.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import tracemalloc

from tests.bench.harness import bench_environment, report

BOOKINGS = int(os.environ.get("BENCH_LEAVING_BOOKINGS", 50_000))
TENANTS = int(os.environ.get("BENCH_LEAVING_TENANTS", 20))


def _fill(count: int) -> None:
    from django.utils import timezone

    from booking_core.models import Booking, Client, Service, StaffMember

    service = Service.objects.create(kind=Service.Kind.INDIVIDUAL, slug="bench", name_en="Bench", duration_minutes=60,
                                     price_amount=2500, price_currency="EUR")
    staff = StaffMember.objects.create(name="Bench Staff")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=365)
    batch = 5000
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        clients = Client.objects.bulk_create([Client(name=f"Client {offset + index}",
                                                     email=f"client{offset + index}@bench.example")
                                              for index in range(size)])
        Booking.objects.bulk_create([
            Booking(service=service, staff=staff, client=client, status=Booking.Status.CANCELLED,
                    starts_at=start + dt.timedelta(hours=offset + index),
                    ends_at=start + dt.timedelta(hours=offset + index, minutes=60),
                    answers=[{"key": "note", "value": "bench"}])
            for index, client in enumerate(clients)])


def main() -> None:
    with bench_environment("leaving"):
        from django.db import connection
        from django_tenants.utils import tenant_context

        from tenants.console.selectors import console_tenant_activity
        from tenants.leaving.exports import export_write
        from tenants.leaving.services import one_snapshot
        from tenants.models import Tenant
        from tenants.template_schema import template_schema_clone

        tenant = Tenant.objects.create(schema_name="t_bench_leaver", slug="bench-leaver", display_name="Bench")
        with tenant_context(tenant):
            _fill(BOOKINGS)
            with tempfile.TemporaryDirectory() as folder:
                target = os.path.join(folder, "export.zip")
                tracemalloc.start()
                started = time.monotonic()
                with one_snapshot():  # as data_export_build reads: one REPEATABLE READ transaction
                    summary = export_write(tenant=tenant, target=target)
                export_seconds = time.monotonic() - started
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                zip_bytes = os.path.getsize(target)
        connection.set_schema_to_public()

        names = [f"t_bench_{index:04d}" for index in range(TENANTS)]
        Tenant.objects.bulk_create([Tenant(schema_name=name, slug=name.replace("_", "-")[2:], display_name=name)
                                    for name in names])
        for name in names:
            template_schema_clone(name)
        page = list(Tenant.objects.filter(schema_name__in=[*names, tenant.schema_name]))
        console_tenant_activity(page)  # warm the catalogue caches once, as a console in use has them
        started = time.monotonic()
        activity = console_tenant_activity(page)
        activity_ms = (time.monotonic() - started) * 1000
        report("leaving", bookings=BOOKINGS, rows=summary.rows, export_seconds=export_seconds,
               rows_per_second=summary.rows / export_seconds, zip_bytes=zip_bytes,
               peak_python_mb=peak / 1e6, activity_tenants=len(page), activity_ms=activity_ms,
               leaver_storage_mb=activity[tenant.pk].storage_bytes / 1e6)


if __name__ == "__main__":
    main()
