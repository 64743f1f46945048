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
    return _without_secret_links(event)


def _without_secret_links(value):
    """The event (or breadcrumb) with the tokens of secret links replaced, wherever they appear."""
    from allot.logging import redact_secret_links

    if isinstance(value, str):
        return redact_secret_links(value)
    if isinstance(value, dict):
        return {key: _without_secret_links(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secret_links(item) for item in value]
    return value


def _scrub_breadcrumb(breadcrumb, hint):
    return _without_secret_links(breadcrumb)


def init_sentry(*, dsn: str, environment: str, transport=None) -> None:
    options = {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), DramatiqIntegration(), RedisIntegration(), LoggingIntegration()],
        "traces_sample_rate": 0.0,
        "before_send": _tag_tenant,
        "before_breadcrumb": _scrub_breadcrumb,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
