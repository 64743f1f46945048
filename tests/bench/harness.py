"""Shared plumbing for benchmarks: a throw-away database, the real web server, a load generator.

Benchmarks run on the same server as everything else (embedded, or DATABASE_URL / REDIS_URL), in a
database and Redis namespace of their own that are removed afterwards. Each prints one line:
`BENCH <name> key=value ...`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT_DIR = Path(__file__).resolve().parents[2]
PLATFORM_DIR = CHECKOUT_DIR / "platform"


RATE_LIMITS = os.environ.get("BENCH_RATE_LIMITS", "raised")
RATE_LIMIT_MULTIPLIER = "1000000"


def rate_limits_off() -> bool:
    """BENCH_RATE_LIMITS=off, or a benchmark that switched them off itself (ALLOT_RATE_LIMITS_ENABLED=0)."""
    return RATE_LIMITS == "off" or os.environ.get("ALLOT_RATE_LIMITS_ENABLED", "").strip() == "0"


def rate_limits_note() -> str:
    if rate_limits_off():
        return "rate limits disabled for this run (ALLOT_RATE_LIMITS_ENABLED=0)"
    return (f"rate limits raised for this run (ALLOT_RATE_LIMIT_MULTIPLIER={RATE_LIMIT_MULTIPLIER}: counted, "
            "never reached)")


def report(name: str, **figures) -> str:
    parts = []
    for key, value in figures.items():
        parts.append(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}")
    line = f"BENCH {name} " + " ".join(parts)
    print(line, flush=True)
    return line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(PLATFORM_DIR))
    from allot import embedded

    return embedded.postgres_url()


def _redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    from allot import embedded

    return embedded.redis_url()


@contextlib.contextmanager
def bench_environment(name: str):
    """Create a fresh database, point this process (and children) at it, set Django up, migrate.

    Yields the environment dict to hand to child processes.
    """
    import psycopg

    sys.path[:0] = [str(CHECKOUT_DIR), str(PLATFORM_DIR)]
    base_url = _server_url()
    redis_url = _redis_url()
    sys.path.insert(0, str(PLATFORM_DIR))
    from allot.config import database_url_for, parse_database_url

    settings_dict = parse_database_url(base_url)
    database = f"bench_{name}_{os.getpid()}"
    admin_url = database_url_for(settings_dict, name="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        "DATABASE_URL": database_url_for(settings_dict, name=database),
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOT_REDIS_NAMESPACE": f"allot-bench-{name}-{os.getpid()}",
        "DJANGO_SETTINGS_MODULE": "allot.settings",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "dummy://",
        # The load comes from one address (and few email addresses): the public abuse limits are raised so far
        # that they are counted, at their real cost, but never reached. BENCH_RATE_LIMITS=off switches them off.
        **({"ALLOT_RATE_LIMITS_ENABLED": "0"} if rate_limits_off() else
           {"ALLOT_RATE_LIMIT_MULTIPLIER": RATE_LIMIT_MULTIPLIER}),
    }
    print(f"BENCH-NOTE {name} {rate_limits_note()}", flush=True)
    os.environ.update(env)
    import django

    django.setup()
    from tenants.provisioning import migrate_everything

    migrate_everything(verbosity=0)
    try:
        yield env
    finally:
        from django.db import connections

        connections.close_all()
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{env['ALLOT_REDIS_NAMESPACE']}*"):
                client.delete(key)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def child_environment(env: dict) -> dict:
    merged = os.environ.copy()
    merged.update(env)
    merged["PYTHONPATH"] = os.pathsep.join([str(CHECKOUT_DIR), str(PLATFORM_DIR)])
    return merged


@contextlib.contextmanager
def web_server(env: dict, *, workers: int = 3, threads: int = 8, worker_class: str = "gthread"):
    """The real HTTP stack: `allot web` (gunicorn) on a free port. Yields the port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "allot.cli", "web", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--threads", str(threads), "--worker-class", worker_class],
        env=child_environment(env), cwd=CHECKOUT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("the web server did not start")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


def http_load(port: int, host: str, *, concurrency: int, total: int,
              request: Callable[[int], tuple[str, str, bytes | None]],
              headers: dict[str, str] | None = None, cookies: list[str] | None = None,
              think_seconds: float = 0.0) -> LoadResult:
    """`total` requests from `concurrency` keep-alive clients; request(i) -> (method, path, body).

    `headers` are added to every request. `cookies` gives each client a Cookie header of its own (client i
    sends cookies[i % len(cookies)]: signed-in users, each with their session). `think_seconds`: each client
    pauses 0.5-1.5 x that long after each answer, like a person reading the page (0: a closed loop).
    """
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    base_headers = {"Host": host, "Content-Type": "application/json", "Connection": "keep-alive", **(headers or {})}

    def client(number: int):
        client_headers = dict(base_headers)
        if cookies:
            client_headers["Cookie"] = cookies[number % len(cookies)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            method, path, body = request(index)
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=client_headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if think_seconds:
                time.sleep(think_seconds * random.uniform(0.5, 1.5))
        connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(total, time.perf_counter() - started, latencies, statuses)


def json_body(data: dict) -> bytes:
    return json.dumps(data).encode()
