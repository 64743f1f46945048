"""Why programme operations are refused. Messages are shown to participants and operators as they are."""

from __future__ import annotations

from allot.errors import ApplicationError, ConflictError, NotFoundError


class ProgrammeError(ApplicationError):
    code = "invalid"


class SignUpClosedError(ApplicationError):
    code = "signup_closed"


class AlreadySignedUpError(ConflictError):
    code = "already_signed_up"


class OfferClosedError(ConflictError):
    code = "offer_closed"


class AllocationConflictError(ConflictError):
    """The batch was already committed, or the sign-ups changed since the preview."""

    code = "allocation_conflict"


class ProgrammeNotFoundError(NotFoundError):
    pass
