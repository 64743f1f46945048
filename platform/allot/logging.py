"""Log records carry the tenant schema the current thread's connection is on, and no secret link tokens."""

import logging
import re


class TenantSchemaFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "tenant_schema"):
            try:
                from django.db import connection

                record.tenant_schema = getattr(connection, "schema_name", "-")
            except Exception:  # logging must never fail because Django is not set up yet
                record.tenant_schema = "-"
        return True


# The secret part of links in emails (manage a booking, answer an offer, a waitlist or sign-up status): whoever
# holds one acts as the client, so it must not end up in logs or error reports.
SECRET_LINK = re.compile(r"(/(?:b|o|w|programmes/signups|programmes/offers)/)[A-Za-z0-9_-]{8,}")


def redact_secret_links(text: str) -> str:
    return SECRET_LINK.sub(r"\1[token]", text)


class SecretLinkFilter(logging.Filter):
    """Replace the tokens of secret links in a record's message (e.g. "Not Found: /b/<token>/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secret_links(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
