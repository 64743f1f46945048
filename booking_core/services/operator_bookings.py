"""Bookings an operator makes for a client ("book for a client"), and operators' notes on bookings.

The same rules as the booking site's services (booking_core.services.bookings), with the self-service limits
lifted for operators: no minimum notice, no horizon, no seats-per-booking maximum, any staff member of the
service. Capacity is never lifted silently: a session's seats are decided under the same row lock, and an
operator who books beyond the free seats must say so (`allow_overbooking`); the seats kept above capacity
are recorded on the session (`accepted_overbooking`, which the CHECK constraint counts), on the booking
(`overbooked_seats`) and in the audit entry. An appointment's time is never overbooked: the slot claims
forbid two appointments of one staff member at once.

A service with a price needs the operator's choice of how it is paid (billing.services.operator_payments): a
payment link holds the place pending payment (as the booking site's paid bookings do) and emails the Checkout link
after the commit; paid on site and free of charge are recorded in the booking's transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allot import metrics
from billing.services.operator_payments import (
    PaymentChoice,
    booking_payment_choice_record,
    booking_payment_link_send,
    payment_choice_require,
    payment_link_deadline,
)
from billing.subscriptions.limits import booking_allowed_require
from booking_core.acting import Actor
from booking_core.errors import BookingError, CapacityError, SlotTakenError
from booking_core.messages.reminders import reminders_note_due
from booking_core.models import Booking, Service, Session, StaffMember
from booking_core.selectors.availability import slot_is_free
from booking_core.services.answers import answers_validate
from booking_core.services.audit import audit_record
from booking_core.services.bookings import (
    ClientDetails,
    _claim_cells,
    _existing_for_key,
    _initial_status,
    _next_booking_id,
    _next_free_starts,
    _require_live_service,
    booking_created_notify,
    session_booking_insert,
)
from booking_core.services.capacity import (
    booking_row_lock,
    live_seats_booked,
    session_lock,
    staff_lock,
)
from booking_core.services.clients import client_for_booking

NOTE_MAX_LENGTH = 2000


def _require_operator(actor: Actor) -> None:
    if actor.is_client:
        raise BookingError(_("Only the organisation's members book for a client."))


def _require_not_past(starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at < now:
        raise BookingError(_("This time has passed; choose a time to come."),
                           fields={"starts_at": [_("In the past.")]})


def booking_create_for_client_in_session(
    *,
    tenant,
    session: Session,
    seats: int,
    client: ClientDetails,
    answers: dict | None = None,
    language: str = "en",
    allow_overbooking: bool = False,
    idempotency_key: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    payment: str | None = None,
) -> Booking:
    """An operator takes seats in a group session for a client; beyond the free seats only when
    `allow_overbooking` says the operator accepts it (recorded on the session, the booking and the audit).

    A priced service needs `payment`, how it is paid (billing.services.operator_payments.PaymentChoice)."""
    _require_operator(actor)
    now = now or timezone.now()
    service = session.service
    _require_live_service(service, Service.Kind.GROUP)
    payment = payment_choice_require(tenant=tenant, service=service, choice=payment)
    if seats < 1:
        raise BookingError(_("Book at least one seat."), fields={"seats": [_("Out of range.")]})
    snapshot = answers_validate(service=service, answers=answers, language=language)
    if session.is_cancelled:
        raise BookingError(_("This session has been cancelled."), fields={"session": [_("Cancelled.")]})
    _require_not_past(session.starts_at, now)
    existing = _existing_for_key(idempotency_key, client_email=client.email)
    if existing is not None:
        return _payment_link_sent(tenant, existing, payment, now)
    booking_allowed_require(tenant=tenant, now=now)  # the plan (a retried submission got its booking above)
    payment_due_at = payment_link_deadline(now) if payment == PaymentChoice.LINK else None
    status = _initial_status(service, payment_due_at)
    try:
        with transaction.atomic():
            person = client_for_booking(name=client.name, email=client.email, phone=client.phone,
                                        language=language)
            session = session_lock(session.pk)
            if session.is_cancelled:
                raise BookingError(_("This session has been cancelled."), fields={"session": [_("Cancelled.")]})
            booked = live_seats_booked(session.pk)
            free = max(0, session.capacity + session.accepted_overbooking - booked - session.seats_held)
            beyond = max(0, seats - free)
            if beyond and not allow_overbooking:
                raise CapacityError(
                    (ngettext("Only %(free)d seat is left in this session.",
                              "Only %(free)d seats are left in this session.", free) % {"free": free} if free
                     else _("This session is full."))
                    + " " + _("Accept the overbooking to book beyond its capacity."),
                    fields={"allow_overbooking": [_("Needed to book beyond the capacity.")]},
                    extra={"seats_free": free},
                )
            booking = Booking(
                pk=_next_booking_id(), service=service, session=session, client=person, status=status,
                source=Booking.Source.OPERATOR, language=language, seats=seats, starts_at=session.starts_at,
                ends_at=session.ends_at, answers=snapshot, idempotency_key=idempotency_key or None,
                confirmed_at=now if status == Booking.Status.CONFIRMED else None, overbooked_seats=beyond,
                payment_due_at=payment_due_at,
            )
            if beyond:
                # The operator's explicit decision: the seats above capacity the CHECK constraint allows.
                Session.objects.filter(pk=session.pk).update(
                    accepted_overbooking=F("accepted_overbooking") + beyond)
                session.accepted_overbooking += beyond
                audit_record(actor=actor, action="session.overbooking_accepted", obj=session,
                             after={"seats": beyond, "booking": booking.pk,
                                    "accepted_overbooking": session.accepted_overbooking})
            audit_record(actor=actor, action="booking.created", obj=booking,
                         after={**booking.snapshot(), "by_operator": True, "overbooking_allowed": allow_overbooking,
                                "payment": payment})
            booking_created_notify(booking)
            session_booking_insert(booking, session, now=now)
            booking_payment_choice_record(tenant=tenant, booking=booking, choice=payment, actor=actor, now=now)
    except IntegrityError:
        existing = _existing_for_key(idempotency_key, client_email=client.email)
        if existing is None:
            raise
        return _payment_link_sent(tenant, existing, payment, now)
    return _payment_link_sent(tenant, booking, payment, now)


def booking_create_for_client_appointment(
    *,
    tenant,
    service: Service,
    starts_at: dt.datetime,
    client: ClientDetails,
    staff: StaffMember | None = None,
    answers: dict | None = None,
    language: str = "en",
    idempotency_key: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    payment: str | None = None,
) -> Booking:
    """An operator books an appointment for a client at a free time of the staff member's hours (any notice
    or horizon); a time already taken is refused: appointments are never overbooked. A priced service needs
    `payment`, how it is paid."""
    _require_operator(actor)
    now = now or timezone.now()
    zone = tenant.zone
    _require_live_service(service, Service.Kind.INDIVIDUAL)
    payment = payment_choice_require(tenant=tenant, service=service, choice=payment)
    _require_not_past(starts_at, now)
    snapshot = answers_validate(service=service, answers=answers, language=language)
    if staff is not None and not service.staff_members.filter(pk=staff.pk).exists():
        raise BookingError(_("This staff member does not give this service."), fields={"staff": [_("Not theirs.")]})
    candidate_ids = (
        [staff.pk] if staff is not None
        else list(service.staff_members.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    )
    # The notice and horizon are the booking site's limits: seen from this moment, the time is just bookable.
    as_of = starts_at - dt.timedelta(minutes=service.min_notice_minutes)
    existing = _existing_for_key(idempotency_key, client_email=client.email)
    if existing is not None:
        return _payment_link_sent(tenant, existing, payment, now)
    payment_due_at = payment_link_deadline(now) if payment == PaymentChoice.LINK else None
    with transaction.atomic():
        booking_allowed_require(tenant=tenant, now=now)  # the plan (a retried submission got its booking above)
        locked = staff_lock(candidate_ids)
        chosen = next(
            (member for member in locked
             if member.is_active and slot_is_free(service=service, zone=zone, staff_id=member.pk,
                                                  starts_at=starts_at, now=as_of)),
            None,
        )
        if chosen is None:
            raise SlotTakenError(
                _("This time is not free (taken, or outside the working hours). Please pick another one."),
                fields={"starts_at": [_("Not free.")]},
                extra={"next_free_slots": _next_free_starts(service, zone, starts_at, as_of,
                                                            staff_id=staff.pk if staff is not None else None)},
            )
        person = client_for_booking(name=client.name, email=client.email, phone=client.phone, language=language)
        ends_at = starts_at + dt.timedelta(minutes=service.duration_minutes)
        status = _initial_status(service, payment_due_at)
        booking = Booking.objects.create(
            service=service, staff=chosen, client=person, status=status, source=Booking.Source.OPERATOR,
            language=language, seats=1, starts_at=starts_at, ends_at=ends_at, answers=snapshot,
            blocked_from=starts_at - dt.timedelta(minutes=service.buffer_before_minutes),
            blocked_until=ends_at + dt.timedelta(minutes=service.buffer_after_minutes),
            idempotency_key=idempotency_key or None, payment_due_at=payment_due_at,
            confirmed_at=now if status == Booking.Status.CONFIRMED else None,
        )
        _claim_cells(booking)
        audit_record(actor=actor, action="booking.created", obj=booking,
                     after={**booking.snapshot(), "by_operator": True, "payment": payment})
        booking_created_notify(booking)
        booking_payment_choice_record(tenant=tenant, booking=booking, choice=payment, actor=actor, now=now)
        reminders_note_due(booking, now)
        metrics.booking_created("individual")
    return _payment_link_sent(tenant, booking, payment, now)


def _payment_link_sent(tenant, booking: Booking, payment: str, now: dt.datetime) -> Booking:
    """After the commit: a booking held for its payment link gets its Checkout Session and the client's email
    (once; a repeated submission changes nothing). Stripe unreachable: the hold is released, the error raised."""
    if payment == PaymentChoice.LINK and booking.status == Booking.Status.PENDING_PAYMENT:
        booking_payment_link_send(tenant=tenant, booking=booking, now=now)
    return booking


def booking_note_set(*, booking: Booking, note: str, actor: Actor) -> Booking:
    """Replace the operators' note on a booking (empty removes it); the change is in the audit log."""
    _require_operator(actor)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise BookingError(_("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH},
                           fields={"note": [_("Too long.")]})
    with transaction.atomic():
        booking = booking_row_lock(booking.pk)
        if booking.operator_note == note:
            return booking
        before = {"operator_note": booking.operator_note}
        booking.operator_note = note
        booking.save(update_fields=["operator_note", "updated_at"])
        audit_record(actor=actor, action="booking.note_changed", obj=booking, before=before,
                     after={"operator_note": note})
    return booking
