"""The single place where errors become API responses."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import ngettext
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from allot.errors import ApplicationError
from allot.rate_limits import RateLimited


def too_many_requests_response(retry_after: int) -> Response:
    """429 of the abuse limits (allot.rate_limits): when to retry, in the body and in Retry-After."""
    detail = ngettext("Too many requests. Try again in %(seconds)d second.",
                      "Too many requests. Try again in %(seconds)d seconds.", retry_after) % {"seconds": retry_after}
    return Response({"detail": detail, "code": "throttled", "retry_after": retry_after},
                    status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(retry_after)})


def exception_handler(exc, context):
    if isinstance(exc, RateLimited):
        return too_many_requests_response(exc.retry_after)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"detail": "Invalid input.", "code": "invalid", "fields": fields}, status=status.HTTP_400_BAD_REQUEST
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "code": "invalid", "fields": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": "Invalid input.", "code": "invalid", "fields": {"non_field_errors": response.data}}
    return response


_TOO_MANY_REQUESTS = {
    "description": "Over an abuse limit (per client address, per email address): nothing was done; retry after "
                   "`retry_after` seconds.",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["detail", "code", "retry_after"],
        "properties": {"detail": {"type": "string"}, "code": {"type": "string", "enum": ["throttled"]},
                       "retry_after": {"type": "integer", "minimum": 1}},
    }}},
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the 429 of the abuse limits on views that declare `rate_limited = True` (their
    POST)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and method.upper() == "POST" and getattr(self.view, "rate_limited", False):
            operation["responses"]["429"] = _TOO_MANY_REQUESTS
        return operation
