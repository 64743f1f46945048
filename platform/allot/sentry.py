"""Error reporting. Every event carries the tenant schema as the `tenant` tag."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.dramatiq import DramatiqIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.redis import RedisIntegration


def _tag_tenant(event, hint):
    from django.db import connection

    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        tags.setdefault("tenant", getattr(connection, "schema_name", "public"))
    return event


def init_sentry(*, dsn: str, environment: str, transport=None) -> None:
    options = {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), DramatiqIntegration(), RedisIntegration(), LoggingIntegration()],
        "traces_sample_rate": 0.0,
        "before_send": _tag_tenant,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
