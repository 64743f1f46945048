"""Setting the scene for the waitlist pages: clients on the waitlist of the site's full session, and offers
made to them when a seat frees up (through the services, as in production)."""

from __future__ import annotations

import itertools

from django.db import connection

from booking_core.acting import Actor
from booking_core.models import Booking, Offer, Service, Session, WaitlistEntry
from booking_core.services.bookings import ClientDetails, booking_cancel, booking_create_group
from booking_core.waitlist.services.entries import waitlist_join
from tests.factories import OPERATOR, client_details

_sequence = itertools.count(1)


def fill(tenant, session: Session) -> Booking:
    """Book every free seat of the session (the site's swimming sessions ask for a child's name)."""
    session = Session.objects.get(pk=session.pk)
    return booking_create_group(tenant=tenant, session=session, seats=session.seats_free, client=client_details(),
                                answers={"child_name": "Ada"}, actor=OPERATOR)


def join(session: Session, *, email: str | None = None, language: str = "en", seats: int = 1,
         answers: dict | None = None) -> WaitlistEntry:
    """A client joins the session's waitlist (inside the tenant's schema)."""
    number = next(_sequence)
    email = email or f"waiting{number}@example.com"
    return waitlist_join(tenant=connection.tenant, service=session.service,
                         session=Session.objects.get(pk=session.pk), seats=seats,
                         client=ClientDetails(name=f"Waiting {number}", email=email, phone=""),
                         answers={"child_name": "Mia"} if answers is None else answers, language=language,
                         actor=Actor.client(email))


def free_a_seat(tenant, session: Session, *, auto_send: bool = True) -> None:
    """Cancel the session's first live booking: the freed seats are offered to the waitlist."""
    Service.objects.filter(pk=session.service_id).update(
        offer_auto_send=Service.OfferRelease.ON if auto_send else Service.OfferRelease.OFF)
    booking = Booking.objects.filter(session=session, status__in=Booking.LIVE_STATUSES).order_by("pk").first()
    booking_cancel(tenant=tenant, booking=booking, actor=OPERATOR, reason="Ill")


def offer_of(entry: WaitlistEntry) -> Offer:
    return Offer.objects.select_related("booking").get(entry=entry)
