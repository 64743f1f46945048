"""Why programme operations are refused. Messages are shown to participants and operators as they are."""

from __future__ import annotations

from allot.errors import ApplicationError, ConflictError, NotFoundError
from booking_core.errors import OfferClosedError  # the same refusal as a waitlist offer's

__all__ = ["AllocationConflictError", "AlreadySignedUpError", "OfferClosedError", "ProgrammeError",
           "ProgrammeNotFoundError", "SignUpClosedError"]


class ProgrammeError(ApplicationError):
    code = "invalid"


class SignUpClosedError(ApplicationError):
    code = "signup_closed"


class AlreadySignedUpError(ConflictError):
    code = "already_signed_up"


class AllocationConflictError(ConflictError):
    """The batch was already committed, or the sign-ups changed since the preview."""

    code = "allocation_conflict"


class ProgrammeNotFoundError(NotFoundError):
    pass
