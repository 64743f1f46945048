"""Log records carry the tenant schema the current thread's connection is on."""

import logging


class TenantSchemaFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "tenant_schema"):
            try:
                from django.db import connection

                record.tenant_schema = getattr(connection, "schema_name", "-")
            except Exception:  # logging must never fail because Django is not set up yet
                record.tenant_schema = "-"
        return True
