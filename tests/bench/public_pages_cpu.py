"""The public pages' cost in one warm process, without the HTTP server: what a cache miss costs in CPU.

On a shared machine the HTTP figures of public_pages move with the neighbours' load; this one measures the
same uncached pages (home, the service's month, a day's times, each at an address never asked for before)
through Django's test client and the whole middleware stack, with the bench's catalogue and production
settings (DEBUG off), and reports the median wall and CPU time per request and the number of queries each
page asks. The database's own work is not in the CPU figure (it runs in PostgreSQL's processes).

    python -m tests.bench.public_pages_cpu             the figures
    python -m tests.bench.public_pages_cpu --profile   the figures and a cProfile of each page (top 30, by
                                                      cumulative and by own time)
    python -m tests.bench.public_pages_cpu --keep      build the database once and keep it (named
                                                      bench_public_pages_cpu_kept); later runs with --keep reuse
                                                      it (for comparing changes; dropped with --drop)

Prints `BENCH public_pages_cpu home_cpu_ms=... service_cpu_ms=... slots_cpu_ms=... ...`.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.harness import bench_environment, report
from tests.bench.public_pages import HOST, _setup

RENDERS = int(os.environ.get("BENCH_RENDERS", 200))


def _measure(client, path: str, renders: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls, cpus = [], []
    queries = 0
    for index in range(renders):
        url = f"{path}&fresh={index}"
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, HTTP_HOST=HOST)
        cpus.append((time.process_time() - started_cpu) * 1000)
        walls.append((time.perf_counter() - started_wall) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(walls), statistics.median(cpus), queries


def _profile(client, path: str, renders: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(renders):
        client.get(f"{path}&fresh=p{index}", HTTP_HOST=HOST)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    return out.getvalue()


KEPT_DATABASE = "bench_public_pages_cpu_kept"


@contextlib.contextmanager
def _kept_environment(drop: bool):
    """bench_environment's settings on a database that outlives the run (built by the first run)."""
    import json

    import psycopg

    from tests.bench import harness

    sys.path[:0] = [str(harness.CHECKOUT_DIR), str(harness.PLATFORM_DIR)]
    from allot.config import database_url_for, parse_database_url

    settings_dict = parse_database_url(harness._server_url())
    admin_url = database_url_for(settings_dict, name="postgres")
    state_file = Path(f"/tmp/{KEPT_DATABASE}.json")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [KEPT_DATABASE]).fetchone()
        if drop or (exists and not state_file.exists()):
            admin.execute(f'DROP DATABASE IF EXISTS "{KEPT_DATABASE}" WITH (FORCE)')
            state_file.unlink(missing_ok=True)
            exists = None
        if drop:
            yield None
            return
        if not exists:
            admin.execute(f'CREATE DATABASE "{KEPT_DATABASE}"')
    os.environ.update({
        "DATABASE_URL": database_url_for(settings_dict, name=KEPT_DATABASE), "REDIS_URL": harness._redis_url(),
        "DEBUG": "0", "SECRET_KEY": "kept-" + "x" * 50, "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0", "ALLOT_REDIS_NAMESPACE": f"allot-bench-{KEPT_DATABASE}",
        "DJANGO_SETTINGS_MODULE": "allot.settings", "LOG_LEVEL": "WARNING", "EMAIL_URL": "dummy://",
    })
    import django

    django.setup()
    if state_file.exists():
        yield json.loads(state_file.read_text())
        return
    from tenants.provisioning import migrate_everything

    migrate_everything(verbosity=0)
    setup = _setup()
    state_file.write_text(json.dumps({"busy_day": setup["busy_day"].isoformat()}))
    yield {"busy_day": setup["busy_day"].isoformat()}


@contextlib.contextmanager
def _fresh_environment():
    with bench_environment("public_pages_cpu"):
        setup = _setup()
        yield {"busy_day": setup["busy_day"].isoformat()}


def main(argv: list[str]) -> None:
    keep = "--keep" in argv
    # kept runs keep what collectstatic gathered too (compressing it takes a while)
    static_root = f"/tmp/{KEPT_DATABASE}-static" if keep else tempfile.mkdtemp(prefix="bench-static-")
    os.environ["STATIC_ROOT"] = static_root
    os.environ["ALLOT_RATE_LIMITS_ENABLED"] = "0"
    environment = _kept_environment("--drop" in argv) if keep or "--drop" in argv else _fresh_environment()
    with environment as setup:
        if setup is None:  # --drop
            shutil.rmtree(static_root, ignore_errors=True)
            return
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        assert not settings.DEBUG
        if not (keep and os.path.exists(os.path.join(static_root, "staticfiles.json"))):
            call_command("collectstatic", interactive=False, verbosity=0)
        pages = {
            "home": "/?lang=en",
            "service": "/s/consultation/?lang=en",
            "slots": f"/s/consultation/day/{setup['busy_day']}/?lang=en",
            "robots": "/robots.txt?lang=en",
        }
        client = Client()
        for path in pages.values():  # warm: templates, URL resolvers, tenant and catalogue caches, connection
            _measure(client, path, 20)
        figures = {}
        for name, path in pages.items():
            wall, cpu, queries = _measure(client, path, RENDERS)
            figures[f"{name}_wall_ms"] = wall
            figures[f"{name}_cpu_ms"] = cpu
            figures[f"{name}_queries"] = queries
        for name in ("home", "service", "slots"):  # as public_pages' ratios, in CPU: the bare view's cost / the page's
            figures[f"{name}_cpu_ratio"] = figures["robots_cpu_ms"] / figures[f"{name}_cpu_ms"]
        from django.db import connection

        connection.close()
        report("public_pages_cpu", **figures, renders=RENDERS, load_average=os.getloadavg()[0])
        if "--profile" in argv:
            for name, path in pages.items():
                print(f"===== profile {name} {path} ({RENDERS} renders)")
                print(_profile(client, path, RENDERS))
    if not keep:
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
