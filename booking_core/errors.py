"""Why booking operations are refused. Messages are shown to clients and operators as they are."""

from __future__ import annotations

from allot.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError


class BookingError(ApplicationError):
    code = "invalid"


class CapacityError(ConflictError):
    code = "capacity"


class SlotTakenError(ConflictError):
    code = "slot_taken"


class SelfServiceDisabledError(PermissionDeniedError):
    code = "self_service_disabled"


class CutoffPassedError(ApplicationError):
    code = "cutoff_passed"


class BookingNotFoundError(NotFoundError):
    pass


class WaitlistError(ApplicationError):
    code = "invalid"


class WaitlistNotFoundError(NotFoundError):
    pass


class OfferClosedError(ConflictError):
    """The offer was already answered, withdrawn or passed on: nothing changed."""

    code = "offer_closed"


class OfferExpiredError(ConflictError):
    code = "offer_expired"
