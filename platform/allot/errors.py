"""The one exception type services raise when they refuse an operation.

HTTP layers translate it: the DRF exception handler (allot.api) into a JSON 400/403/404, templates
into a form error. The message is meant for the person who asked, so it is translatable.
"""

from __future__ import annotations


class ApplicationError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message, *, fields: dict | None = None, code: str | None = None, extra: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}
        if code:
            self.code = code
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {"detail": str(self.message), "code": self.code}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class NotFoundError(ApplicationError):
    """The object does not exist for this tenant (another tenant's id looks exactly like this)."""

    status_code = 404
    code = "not_found"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "permission_denied"


class ConflictError(ApplicationError):
    """The request was valid but lost a race or hit a capacity limit; nothing was changed."""

    status_code = 409
    code = "conflict"
