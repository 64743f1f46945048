"""Organisation sign-up through the real HTTP stack, with the warm pool of tenant schemas and without it.

Each sign-up is timed from its POST to /signup/ (on the root domain) to the first 200 on the new organisation's
own host, following the redirects a browser follows: the one-time hand-off on the new host, then its back
office home page (/office/). The form is fetched first for its CSRF token (not timed). Sign-ups run one after
another, so each figure is a sign-up's own latency.

- clone (first, see below): the web server runs with ALLOT_TENANT_POOL_SIZE=0, so every sign-up clones the
  template.
- pooled: the web server runs with ALLOT_TENANT_POOL_SIZE=SIGNUPS and the pool is filled first (the refill job
  run in-process), so every sign-up claims a ready schema. No worker runs: the refills the claims enqueue wait
  in Redis, so the figure is the claim's own, not the claim's next to a concurrent clone.

Prints `BENCH signup pool_p95_ms=... clone_p95_ms=... ratio=... migrations=...` (ratio = clone_p95 / pool_p95;
migrations = rows in the template's django_migrations), with the medians, `password_hash_ms` (one hash of the
configured password hasher, in this process: every sign-up pays it, pool or not) and `version_ms` / `claim_ms`
(in-process: reading the template's version; the claim's SQL: lock a row, rename the schema, delete the row,
rolled back).

BENCH_SIGNUP_EXTRA_MIGRATIONS=N first applies N dummy migrations to the template (a table with an index and a
django_migrations row each), as N more migrations would: the clone grows with them, the claim must not.
Target: pool_p95_ms <= 200.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse

from tests.bench.harness import bench_environment, report, web_server

SIGNUPS = int(os.environ.get("BENCH_SIGNUPS", 50))
EXTRA_MIGRATIONS = int(os.environ.get("BENCH_SIGNUP_EXTRA_MIGRATIONS", 0))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", 1))  # sign-ups run one at a time
ROOT = "localhost"
PASSWORD = "kek-lo-fut-2026-nyaron"
SIGNUP_RATE_LIMIT = "1000000/h/ip,1000000/h/key"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class _Visitor:
    """One browser: cookies per host, one connection to the server, redirects followed by hand."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, dict[str, str]] = {}

    def request(self, method: str, host: str, path: str, body: bytes | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Host": f"{host}:{self.port}"}
        jar = self.cookies.setdefault(host, {})
        if jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{host}:{self.port}{path}"
            headers["Origin"] = f"http://{host}:{self.port}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.body = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response


def _sign_up(port: int, index: int, mode: str) -> float:
    visitor = _Visitor(port)
    form = visitor.request("GET", ROOT, "/signup/")
    assert form.status == 200, form.status
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1).decode()
    slug = f"{mode}-{index:03d}"
    body = urllib.parse.urlencode({
        "csrfmiddlewaretoken": token, "organisation_name": f"Bench {mode} {index}", "slug": slug,
        "owner_name": "Bench Owner", "email": f"owner-{slug}@bench.example", "password": PASSWORD,
        "timezone": "Europe/Budapest", "default_language": "en", "country": "HU", "currency": "HUF",
    }).encode()
    started = time.perf_counter()
    response = visitor.request("POST", ROOT, "/signup/", body)
    host = ROOT
    for _hop in range(5):
        if response.status == 200 and host != ROOT:
            return (time.perf_counter() - started) * 1000
        if response.status not in (301, 302, 303):
            raise SystemExit(f"bench signup: {mode} sign-up {index} got {response.status} on {host}: "
                             f"{response.body[:500]!r}")
        location = urllib.parse.urlsplit(response.getheader("Location"))
        host = location.hostname or host
        path = location.path + (f"?{location.query}" if location.query else "")
        response = visitor.request("GET", host, path)
    raise SystemExit(f"bench signup: {mode} sign-up {index} never reached a 200 on its own host")


def _run(env: dict, mode: str, pool_size: int) -> list[float]:
    # allauth's sign-up limit (20 per hour per address) is not scaled by ALLOT_RATE_LIMIT_MULTIPLIER: raised here.
    server_env = {**env, "ALLOT_TENANT_POOL_SIZE": str(pool_size), "ALLOT_SIGNUP_RATE_LIMIT": SIGNUP_RATE_LIMIT}
    with web_server(server_env, workers=WEB_WORKERS, threads=4) as port:
        _sign_up(port, 999, f"warm{mode}")  # the first request of a worker loads everything: not counted
        times = []
        for index in range(SIGNUPS):
            times.append(_sign_up(port, index, mode))
            print(f"bench signup: {mode} {index + 1}/{SIGNUPS}: {times[-1]:.0f} ms", file=sys.stderr, flush=True)
        return times


def _apply_dummy_migrations(count: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    schema = connection.ops.quote_name(settings.TENANT_BASE_SCHEMA)
    with transaction.atomic(), connection.cursor() as cursor:
        for index in range(count):
            table = f"{schema}.bench_dummy_{index:04d}"
            cursor.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, name varchar(200) NOT NULL, "
                           "amount integer NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())")
            cursor.execute(f"CREATE INDEX bench_dummy_{index:04d}_name ON {table} (name)")
            cursor.execute(f"INSERT INTO {schema}.django_migrations (app, name, applied) VALUES (%s, %s, now())",
                           ["bench", f"{index:04d}_dummy"])


def _in_process_figures() -> tuple[float, float, float]:
    """(password hash ms, template version ms, claim SQL ms), each the median of a few runs."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from tenants.models import PoolSchema
    from tenants.pool.services import pool_claim, pool_refill
    from tenants.template_schema import schema_rename, template_version

    hashes, versions, claims = [], [], []
    for _ in range(3):
        started = time.perf_counter()
        make_password(PASSWORD)
        hashes.append((time.perf_counter() - started) * 1000)
    pool_refill(size=1)
    for _ in range(20):
        started = time.perf_counter()
        template_version()
        versions.append((time.perf_counter() - started) * 1000)
        with contextlib.suppress(_Rollback), transaction.atomic():
            started = time.perf_counter()
            claimed = pool_claim()
            schema_rename(claimed.schema_name, "t_bench_claim_probe")
            PoolSchema.objects.filter(pk=claimed.pk).delete()
            claims.append((time.perf_counter() - started) * 1000)
            raise _Rollback
    return statistics.median(hashes), statistics.median(versions), statistics.median(claims)


class _Rollback(Exception):
    pass


def main() -> None:
    # As in the image: the manifest storage serves what collectstatic gathered.
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    os.environ["STATIC_ROOT"] = static_root
    try:
        _bench()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def _bench() -> None:
    print(f"BENCH-NOTE signup the web server runs with ALLOT_SIGNUP_RATE_LIMIT={SIGNUP_RATE_LIMIT} (every sign-up "
          "comes from one address)", flush=True)
    with bench_environment("signup") as env:
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("collectstatic", interactive=False, verbosity=0)

        from tenants.pool.services import pool_refill

        if EXTRA_MIGRATIONS:
            _apply_dummy_migrations(EXTRA_MIGRATIONS)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{settings.TENANT_BASE_SCHEMA}".django_migrations')
            migrations = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [settings.TENANT_BASE_SCHEMA])
            tables = cursor.fetchone()[0]

        # The clones first: django-tenants' clone walks the catalog, so it slows down as schemas accumulate (the
        # pool's among them); cloning before the pool is filled favours the clone, not the pool.
        connection.close()
        cloned = _run(env, "clone", 0)
        started = time.monotonic()
        filled = pool_refill(size=SIGNUPS + 1)
        refill_seconds = time.monotonic() - started
        connection.close()
        pooled = _run(env, "pool", SIGNUPS + 1)
        hash_ms, version_ms, claim_ms = _in_process_figures()
        pool_p95 = _percentile(pooled, 0.95)
        clone_p95 = _percentile(cloned, 0.95)
        report(
            "signup",
            pool_p95_ms=pool_p95,
            clone_p95_ms=clone_p95,
            ratio=clone_p95 / pool_p95 if pool_p95 else 0.0,
            migrations=migrations,
            template_tables=tables,
            signups=SIGNUPS,
            pool_median_ms=statistics.median(pooled),
            clone_median_ms=statistics.median(cloned),
            password_hash_ms=hash_ms,
            version_ms=version_ms,
            claim_ms=claim_ms,
            refill_clone_ms=refill_seconds * 1000 / max(1, filled.created),
        )


if __name__ == "__main__":
    main()
