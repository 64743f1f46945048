from booking_core.programmes.models.groups import WEEKDAYS, ProgrammeGroup, ProgrammeSession
from booking_core.programmes.models.log import AllocationLogEntry, AllocationRun
from booking_core.programmes.models.programmes import Programme, ProgrammeFormField
from booking_core.programmes.models.signups import PlaceOffer, SignUp

__all__ = [
    "WEEKDAYS",
    "AllocationLogEntry",
    "AllocationRun",
    "PlaceOffer",
    "Programme",
    "ProgrammeFormField",
    "ProgrammeGroup",
    "ProgrammeSession",
    "SignUp",
]
