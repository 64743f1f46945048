"""Which public requests are limited, and how: what the API views and the booking site's pages call.

- Requests that create something and send a confirmation email (a booking, a waitlist entry, a programme
  sign-up) count per client address and per email address, every request, valid or not.
- What such a request creates for an email address that has never confirmed anything is capped per hour:
  counted when it was created, refused once the cap is reached (the request is still counted above). A burst
  of concurrent requests may pass the check together; the per-address and per-email limits bound that.
- The actions behind the links in emails (cancel, reschedule, accept, decline, leave, withdraw) count per
  client address.

Every counter is per tenant (the schema of the request). allot.rate_limits does the counting.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from allot.rate_limits import (
    Counter,
    RateLimited,
    client_ip,
    enforce,
    hit,
    hit_and_peek,
    identity_of_email,
)
from booking_core.models import Booking, Client

# Other proofs, from the apps built on the core (programmes: a place offer taken by its link), registered in
# their AppConfig.ready(): each gets the lower-cased address and says whether it confirmed something there.
_CONFIRMATION_CHECKS: list[Callable[[str], bool]] = []


def confirmation_check_register(check: Callable[[str], bool]) -> None:
    if check not in _CONFIRMATION_CHECKS:
        _CONFIRMATION_CHECKS.append(check)


def clients_with_email(email: str) -> QuerySet[Client]:
    # Lower(email) = the lower-cased address: the unique index on Lower(email) finds the client.
    return Client.objects.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


def email_has_confirmed(email: str) -> bool:
    """Has this address proved it reads its mail here: said "I am coming", came, or took an offer by its link?"""
    bookings = Booking.objects.filter(client=OuterRef("pk")).filter(
        Q(client_confirmed_at__isnull=False) | Q(status=Booking.Status.ATTENDED) | Q(source=Booking.Source.WAITLIST))
    if clients_with_email(email).filter(Exists(bookings)).exists():
        return True
    return any(check(email.strip().lower()) for check in _CONFIRMATION_CHECKS)


class CreationLimit:
    """The limits of one request that creates something for an email address.

    `check(request)` before acting (raises RateLimited); `created()` once it was created. What an address
    created in the hour is counted whatever the address; the database is asked whether it ever confirmed
    anything only once that count reaches the cap (one Redis round trip per request otherwise).
    """

    def __init__(self, email: object):
        self.email = identity_of_email(email)

    def check(self, request) -> None:
        counted = [Counter("bookings_per_ip", client_ip(request))]
        peeked = []
        if self.email is not None:
            counted.append(Counter("bookings_per_email", self.email))
            peeked.append(Counter("unconfirmed_email", self.email))
        decision, created_this_hour = hit_and_peek(counted, peeked)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)
        if created_this_hour and not created_this_hour[0].allowed and not email_has_confirmed(self.email):
            raise RateLimited(created_this_hour[0].retry_after)

    def created(self) -> None:
        if self.email is not None:
            hit([Counter("unconfirmed_email", self.email)])


def limit_creation(request, *, email: object) -> CreationLimit:
    """Count a creating request (raises RateLimited when over a limit); call .created() after it succeeded."""
    creation = CreationLimit(email)
    creation.check(request)
    return creation


def limit_link_action(request) -> None:
    """Count an action behind an emailed link (raises RateLimited when over the limit)."""
    enforce([Counter("manage_per_ip", client_ip(request))])
