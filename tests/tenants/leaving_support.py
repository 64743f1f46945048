"""What the leaving tests share: the fixed clock, the owner closing the organisation and the scheduler's hourly
pass (the fixtures are in tests/tenants/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

from tenants.leaving.tasks import leaving_maintenance
from tenants.models import Tenant

NOW = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
TEMPLATE_SOURCE = re.compile(r"\{#|#\}|\{%|\{\{")  # as tests/public_site/test_no_template_source.py


def hourly_pass() -> None:
    """The scheduler's hourly message, run as a worker runs it: in the public schema (the test client's requests
    leave the connection on the last tenant they served)."""
    connection.set_schema_to_public()
    leaving_maintenance.fn()


def close(client, tenant: Tenant):
    return client.post("/office/organisation/close/", {"confirmation": tenant.slug, "reason": "Retiring"})
