"""Liveness and readiness probes, answered for any Host header before tenant resolution."""

from __future__ import annotations

import redis
from django.db import connection
from django.http import JsonResponse

from allot.redis import get_redis


def check_database() -> str | None:
    """None when PostgreSQL answers, otherwise what went wrong."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not ready"; the message names it
        connection.close()
        return f"{type(error).__name__}: {error}".strip()[:300]
    return None


def check_redis() -> str | None:
    """None when Redis answers, otherwise what went wrong."""
    try:
        get_redis().ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}".strip()[:300]
    return None


def readiness() -> tuple[bool, dict]:
    checks = {"database": check_database(), "redis": check_redis()}
    body = {name: ("ok" if problem is None else "failing") for name, problem in checks.items()}
    errors = {name: problem for name, problem in checks.items() if problem is not None}
    ready = not errors
    body["status"] = "ready" if ready else "not ready"
    if errors:
        body["errors"] = errors
    return ready, body


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path.rstrip("/")
        if path == "/healthz":
            return JsonResponse({"status": "alive"})
        if path == "/readyz":
            ready, body = readiness()
            return JsonResponse(body, status=200 if ready else 503)
        return self.get_response(request)
