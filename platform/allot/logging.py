"""Log records carry the tenant schema the current thread's connection is on, and no secret link tokens."""

import contextvars
import datetime as dt
import json
import logging
import re
import uuid


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


# --- request ids and JSON lines --------------------------------------------------------------------------

# The id of what this thread is working on: an HTTP request (X-Request-ID) or a worker message (its id).
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("allot_request_id", default="-")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or client may hand us as a request id: short, and nothing a log parser could trip on.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def request_id_from(value: str | None) -> str:
    """The caller's request id when it is sane, else a new one."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs a 4xx/5xx after the middleware returned, with the request attached.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True


class RequestIdMiddleware:
    """Takes X-Request-ID from the request (or makes one), logs every line of the request with it, and
    returns it in the response's X-Request-ID header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, tenant, request_id, and the
    traceback when there is one (LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "tenant": getattr(record, "tenant_schema", "-"),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        if record.exc_info:
            line["exception"] = redact_secret_links(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
