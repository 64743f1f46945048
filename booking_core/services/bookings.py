"""Creating, cancelling, moving and closing bookings.

Capacity is decided inside the transaction: lock what is consumed (the session row, or the staff rows,
always in primary-key order), count what is taken from live rows, write, and let the database reject
anything Python got wrong (the session CHECK constraint, one slot claim per staff member and 5-minute
cell).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allot import metrics
from allot.jobs.due import due_work_note
from billing.subscriptions.limits import booking_allowed_require
from booking_core import events
from booking_core.acting import Actor
from booking_core.errors import (
    BookingError,
    CapacityError,
    CutoffPassedError,
    SelfServiceDisabledError,
    SlotTakenError,
)
from booking_core.messages import booking_notifications as notifications
from booking_core.messages.reminders import reminders_note_due
from booking_core.models import GRID_MINUTES, Booking, Service, Session, SlotClaim, StaffMember
from booking_core.selectors.availability import free_slots, slot_is_free
from booking_core.services.answers import answers_validate
from booking_core.services.audit import audit_record
from booking_core.services.capacity import (
    add_seats_booked,
    booking_row_lock,
    live_seats_booked,
    session_lock,
    staff_lock,
)
from booking_core.services.clients import client_for_booking


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str = ""


# --- shared rules -----------------------------------------------------------------------------------


def _require_live_service(service: Service, kind: str) -> None:
    if not service.is_active:
        raise BookingError(_("This service is not bookable at the moment."), fields={"service": [_("Not bookable.")]})
    if service.kind != kind:
        raise BookingError(_("This service is booked differently."), fields={"service": [_("Wrong kind of service.")]})


def _require_bookable_time(service: Service, starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at < now + dt.timedelta(minutes=service.min_notice_minutes):
        raise BookingError(_("This time is too soon to book."), fields={"starts_at": [_("Too soon to book.")]})
    if starts_at > now + dt.timedelta(days=service.horizon_days):
        raise BookingError(_("This time is too far ahead to book."), fields={"starts_at": [_("Too far ahead.")]})


def _existing_for_key(idempotency_key: str | None, *, client_email: str) -> Booking | None:
    """The booking an earlier submission with the same key created, if any."""
    if not idempotency_key:
        return None
    existing = Booking.objects.select_related("client").filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.client.email.lower() != client_email.strip().lower():
        raise BookingError(_("This request key was already used for another booking."),
                           fields={"idempotency_key": [_("Already used.")]})
    return existing


def _initial_status(service: Service, payment_due_at: dt.datetime | None = None) -> str:
    if payment_due_at is not None:
        return Booking.Status.PENDING_PAYMENT  # held until paid (billing confirms it, or its hold expires)
    return Booking.Status.PENDING if service.requires_approval else Booking.Status.CONFIRMED


# The per-tenant job that releases unpaid holds (registered by billing); its due time is the hold's deadline.
PAYMENT_HOLDS_JOB = "billing.payment_holds_expire"


def booking_created_notify(booking: Booking) -> None:
    """Tell the client about a new booking; one awaiting payment is not news yet (its confirmation goes out once
    it is paid), it only has its hold's deadline noted for the expiry job."""
    if booking.status != Booking.Status.PENDING_PAYMENT:
        notifications.notify_booking_created(booking)
    else:
        due_work_note(PAYMENT_HOLDS_JOB, booking.payment_due_at)


def _cells(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    cells, cell = [], start
    while cell < end:
        cells.append(cell)
        cell += dt.timedelta(minutes=GRID_MINUTES)
    return cells


def _claim_cells(booking: Booking) -> None:
    try:
        with transaction.atomic():
            SlotClaim.objects.bulk_create(
                [SlotClaim(staff_id=booking.staff_id, cell_start=cell, booking=booking)
                 for cell in _cells(booking.blocked_from, booking.blocked_until)]
            )
    except IntegrityError as error:
        raise SlotTakenError(_("This time has just been taken.")) from error


def _next_free_starts(service: Service, zone, after: dt.datetime, now: dt.datetime, count: int = 3,
                      staff_id: int | None = None) -> list[str]:
    """The next free starts after `after` within a week (with the staff member the client chose, if any)."""
    local_day = after.astimezone(zone).date()
    slots = free_slots(service=service, zone=zone, date_from=local_day, date_to=local_day + dt.timedelta(days=7),
                       now=now, staff_id=staff_id)
    starts = sorted({slot.starts_at for slot in slots if slot.starts_at >= after})
    return [start.astimezone(zone).isoformat() for start in starts[:count]]


# --- create -------------------------------------------------------------------------------------------


@metrics.counts_refusals("group")
def booking_create_group(
    *,
    tenant,
    session: Session,
    seats: int,
    client: ClientDetails,
    answers: dict | None = None,
    language: str = "en",
    source: str = Booking.Source.WEB,
    idempotency_key: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    payment_due_at: dt.datetime | None = None,
) -> Booking:
    """Take seats in a group session; refuses when fewer seats are free than asked for.

    With `payment_due_at` the booking awaits payment and holds its seats until then (billing's paid bookings).
    """
    now = now or timezone.now()
    service = session.service
    _require_live_service(service, Service.Kind.GROUP)
    if not 1 <= seats <= service.max_seats_per_booking:
        raise BookingError(
            _("Book between 1 and %(max)d seats at a time.") % {"max": service.max_seats_per_booking},
            fields={"seats": [_("Out of range.")]},
        )
    snapshot = answers_validate(service=service, answers=answers, language=language)
    if session.is_cancelled:
        raise BookingError(_("This session has been cancelled."), fields={"session": [_("Cancelled.")]})
    _require_bookable_time(service, session.starts_at, now)
    existing = _existing_for_key(idempotency_key, client_email=client.email)
    if existing is not None:
        return existing
    booking_allowed_require(tenant=tenant, now=now)  # the plan (a retried submission got its booking above)
    status = _initial_status(service, payment_due_at)
    try:
        with transaction.atomic():
            # Everything that does not depend on the free seats is written before the session is locked, so
            # the lock is held for the four statements that do (lock, count, insert, count up) and the commit:
            # every other booking of this session waits for exactly that long. A refusal rolls it all back.
            person = client_for_booking(name=client.name, email=client.email, phone=client.phone,
                                        language=language)
            booking = Booking(
                pk=_next_booking_id(), service=service, session=session, client=person, status=status,
                source=source, language=language, seats=seats, starts_at=session.starts_at,
                ends_at=session.ends_at, answers=snapshot, idempotency_key=idempotency_key or None,
                confirmed_at=now if status == Booking.Status.CONFIRMED else None, payment_due_at=payment_due_at,
            )
            audit_record(actor=actor, action="booking.created", obj=booking, after=booking.snapshot())
            booking_created_notify(booking)
            session = session_lock(session.pk)
            if session.is_cancelled:
                raise BookingError(_("This session has been cancelled."), fields={"session": [_("Cancelled.")]})
            booked = live_seats_booked(session.pk)
            free = max(0, session.capacity - booked - session.seats_held)
            if seats > free:
                raise CapacityError(
                    ngettext("Only %(free)d seat is left in this session.",
                             "Only %(free)d seats are left in this session.", free) % {"free": free} if free else
                    _("This session is full."),
                    extra={"seats_free": free},
                )
            session_booking_insert(booking, session, now=now)
    except IntegrityError:
        # The same submission, a moment ahead of us, took the idempotency key: answer with its booking.
        existing = _existing_for_key(idempotency_key, client_email=client.email)
        if existing is None:
            raise
        return existing
    return booking


def session_booking_insert(booking: Booking, session: Session, *, now: dt.datetime) -> None:
    """The tail every booking of seats in a session shares (the site's and the operators'), under the session's
    lock once the seats are known to be there: insert the booking, count its seats on the session (the CHECK
    constraint's counter), note its reminder's due time and count it in the metrics."""
    booking.save(force_insert=True)
    add_seats_booked(session, booking.seats)
    reminders_note_due(booking, now)  # last: it holds the tenant's due-work row until the commit
    metrics.booking_created("group")


def _next_booking_id() -> int:
    """A booking id drawn before the insert, so the audit entry and the outbox row can be written first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Booking._meta.db_table])
        return cursor.fetchone()[0]


@metrics.counts_refusals("individual")
def booking_create_individual(
    *,
    tenant,
    service: Service,
    starts_at: dt.datetime,
    client: ClientDetails,
    staff: StaffMember | None = None,
    answers: dict | None = None,
    language: str = "en",
    source: str = Booking.Source.WEB,
    idempotency_key: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    payment_due_at: dt.datetime | None = None,
) -> Booking:
    """Book an appointment at a free slot, with the chosen staff member or the first one free (held until
    `payment_due_at` when it is to be paid online)."""
    now = now or timezone.now()
    zone = tenant.zone
    _require_live_service(service, Service.Kind.INDIVIDUAL)
    if staff is not None and not service.staff_choice_enabled and actor.is_client:
        raise BookingError(_("This service does not let you choose who serves you."),
                           fields={"staff": [_("Not selectable.")]})
    _require_bookable_time(service, starts_at, now)
    snapshot = answers_validate(service=service, answers=answers, language=language)
    candidate_ids = (
        [staff.pk] if staff is not None
        else list(service.staff_members.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    )
    with transaction.atomic():
        existing = _existing_for_key(idempotency_key, client_email=client.email)
        if existing is not None:
            return existing
        booking_allowed_require(tenant=tenant, now=now)  # the plan (a retried submission got its booking above)
        locked = staff_lock(candidate_ids)
        existing = _existing_for_key(idempotency_key, client_email=client.email)
        if existing is not None:  # the same submission won the lock a moment ago (and took the slot)
            return existing
        chosen = next(
            (member for member in locked
             if member.is_active and slot_is_free(service=service, zone=zone, staff_id=member.pk, starts_at=starts_at,
                                                  now=now)),
            None,
        )
        if chosen is None:
            raise SlotTakenError(
                _("This time is no longer available. Please pick another one."),
                extra={"next_free_slots": _next_free_starts(service, zone, starts_at, now,
                                                            staff_id=staff.pk if staff is not None else None)},
            )
        person = client_for_booking(name=client.name, email=client.email, phone=client.phone, language=language)
        ends_at = starts_at + dt.timedelta(minutes=service.duration_minutes)
        booking = Booking.objects.create(
            service=service, staff=chosen, client=person, status=_initial_status(service, payment_due_at),
            source=source, payment_due_at=payment_due_at,
            language=language, seats=1, starts_at=starts_at, ends_at=ends_at, answers=snapshot,
            blocked_from=starts_at - dt.timedelta(minutes=service.buffer_before_minutes),
            blocked_until=ends_at + dt.timedelta(minutes=service.buffer_after_minutes),
            idempotency_key=idempotency_key or None,
            confirmed_at=now if _initial_status(service, payment_due_at) == Booking.Status.CONFIRMED else None,
        )
        _claim_cells(booking)
        audit_record(actor=actor, action="booking.created", obj=booking, after=booking.snapshot())
        booking_created_notify(booking)
        reminders_note_due(booking, now)
        metrics.booking_created("individual")
    return booking


# --- change -------------------------------------------------------------------------------------------


def _lock_booking(booking: Booking) -> Booking:
    """Lock what the booking consumes, then the booking itself (the same order as creation)."""
    if booking.session_id:
        session_lock(booking.session_id)
    else:
        staff_lock([booking.staff_id])
    return booking_row_lock(booking.pk)


def _require_self_service(*, tenant, booking: Booking, now: dt.datetime, action: str) -> None:
    if not booking.service.self_service_enabled(tenant):
        raise SelfServiceDisabledError(
            _("Online changes are switched off for this service. Please contact %(name)s.")
            % {"name": tenant.display_name},
            extra={"contact_email": tenant.contact_email, "contact_phone": tenant.contact_phone},
        )
    cutoff = booking.starts_at - dt.timedelta(minutes=booking.service.cancellation_cutoff_minutes)
    if now > cutoff:
        raise CutoffPassedError(
            _("It is too late to %(action)s this booking online. Please contact %(name)s.")
            % {"action": action, "name": tenant.display_name},
            extra={"cutoff": cutoff.isoformat(), "contact_email": tenant.contact_email},
        )


def booking_can_self_serve(*, tenant, booking: Booking, now: dt.datetime | None = None) -> bool:
    """Whether the client may cancel or reschedule this booking online right now."""
    try:
        _require_self_service(tenant=tenant, booking=booking, now=now or timezone.now(), action="change")
    except (SelfServiceDisabledError, CutoffPassedError):
        return False
    return booking.is_live


def _release(booking: Booking, *, reason: str) -> None:
    """Give back what a booking that stops being live occupied, and say so."""
    if booking.session_id:
        freed = add_seats_booked(Session.objects.get(pk=booking.session_id), -booking.seats)
        if freed > 0:
            events.publish(events.SeatsFreed(session_id=booking.session_id, seats=freed, reason=reason))
    else:
        SlotClaim.objects.filter(booking=booking).delete()
        events.publish(events.SlotFreed(service_id=booking.service_id, staff_id=booking.staff_id,
                                        starts_at=booking.starts_at, ends_at=booking.ends_at, reason=reason))


def booking_cancel(*, tenant, booking: Booking, actor: Actor, reason: str = "",
                   now: dt.datetime | None = None, refund_amount: int | None = None,
                   full_refund: bool = False) -> Booking:
    """Cancel a booking: clients within the cutoff when self-service is on, operators any time with a reason.

    What was paid for it is refunded by the service's cancellation policy (billing, on BookingCancelled); an
    operator may set `refund_amount` (minor units, 0 up to what was paid) instead, which is audited;
    `full_refund` (a session called off by the organisation) refunds everything, whatever the policy."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not actor.is_client and not reason:
        raise BookingError(_("Give a reason for the cancellation; the client will see it."),
                           fields={"reason": [_("Required.")]})
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status == Booking.Status.CANCELLED:
            return booking  # a second click changes nothing
        if not booking.is_live:
            raise BookingError(_("This booking is closed and can no longer be cancelled."))
        if actor.is_client:
            _require_self_service(tenant=tenant, booking=booking, now=now, action=_("cancel"))
        before = booking.snapshot()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = actor.kind
        booking.cancellation_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "updated_at"])
        _release(booking, reason="booking.cancelled")
        audit_record(actor=actor, action="booking.cancelled", obj=booking, before=before, after=booking.snapshot())
        events.publish(events.BookingCancelled(booking_id=booking.pk, actor=actor, cancelled_at=now,
                                               refund_amount=None if actor.is_client else refund_amount,
                                               full_refund=full_refund))
        notifications.notify_booking_cancelled(booking)
    return booking


def booking_reschedule(*, tenant, booking: Booking, starts_at: dt.datetime, actor: Actor,
                       staff: StaffMember | None = None, now: dt.datetime | None = None) -> Booking:
    """Move an individual appointment to another free slot (same service)."""
    now = now or timezone.now()
    if booking.session_id:
        raise BookingError(_("Group bookings cannot be moved; cancel and book another session instead."))
    service = booking.service
    _require_bookable_time(service, starts_at, now)
    with transaction.atomic():
        target_ids = {booking.staff_id} if staff is None else {staff.pk}
        staff_lock(target_ids | {booking.staff_id})
        booking = booking_row_lock(booking.pk)
        if not booking.is_live:
            raise BookingError(_("Only pending or confirmed bookings can be moved."))
        if actor.is_client:
            _require_self_service(tenant=tenant, booking=booking, now=now, action=_("reschedule"))
        new_staff_id = staff.pk if staff is not None else booking.staff_id
        if (starts_at, new_staff_id) == (booking.starts_at, booking.staff_id):
            return booking  # a second click on the same move: it is already done
        if not slot_is_free(service=service, zone=tenant.zone, staff_id=new_staff_id, starts_at=starts_at, now=now,
                            ignore_booking_id=booking.pk):
            raise SlotTakenError(
                _("This time is no longer available. Please pick another one."),
                extra={"next_free_slots": _next_free_starts(service, tenant.zone, starts_at, now,
                                                            staff_id=new_staff_id)},
            )
        before = booking.snapshot()
        old_start, old_end, old_staff = booking.starts_at, booking.ends_at, booking.staff_id
        SlotClaim.objects.filter(booking=booking).delete()
        booking.staff_id = new_staff_id
        booking.starts_at = starts_at
        booking.ends_at = starts_at + dt.timedelta(minutes=service.duration_minutes)
        booking.blocked_from = starts_at - dt.timedelta(minutes=service.buffer_before_minutes)
        booking.blocked_until = booking.ends_at + dt.timedelta(minutes=service.buffer_after_minutes)
        booking.save(update_fields=["staff", "starts_at", "ends_at", "blocked_from", "blocked_until", "updated_at"])
        _claim_cells(booking)
        events.publish(events.SlotFreed(service_id=service.pk, staff_id=old_staff, starts_at=old_start,
                                        ends_at=old_end, reason="booking.rescheduled"))
        audit_record(actor=actor, action="booking.rescheduled", obj=booking, before=before, after=booking.snapshot())
        notifications.notify_booking_rescheduled(booking, old_starts_at=old_start)
        reminders_note_due(booking, now)
    return booking


def booking_confirm(*, booking: Booking, actor: Actor, now: dt.datetime | None = None) -> Booking:
    """Confirm a pending booking (services that require approval)."""
    with transaction.atomic():
        booking = booking_row_lock(booking.pk)
        if booking.status == Booking.Status.CONFIRMED:
            return booking
        if booking.status != Booking.Status.PENDING:
            raise BookingError(_("Only pending bookings can be confirmed."))
        before = booking.snapshot()
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now or timezone.now()
        booking.save(update_fields=["status", "confirmed_at", "updated_at"])
        audit_record(actor=actor, action="booking.confirmed", obj=booking, before=before, after=booking.snapshot())
        notifications.notify_booking_confirmed(booking)
    return booking


def booking_mark_attendance(*, booking: Booking, attended: bool, actor: Actor,
                            now: dt.datetime | None = None) -> Booking:
    """Record that the client came (attended) or did not (no-show), once the booking has started."""
    now = now or timezone.now()
    closed = {Booking.Status.ATTENDED, Booking.Status.NO_SHOW}
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status not in {Booking.Status.CONFIRMED, *closed}:
            raise BookingError(_("Attendance can only be recorded for confirmed bookings."))
        if booking.starts_at > now:
            raise BookingError(_("Attendance can be recorded once the booking has started."))
        new_status = Booking.Status.ATTENDED if attended else Booking.Status.NO_SHOW
        if booking.status == new_status:
            return booking
        before = booking.snapshot()
        booking.status = new_status
        booking.save(update_fields=["status", "updated_at"])
        action = "booking.attended" if attended else "booking.no_show"
        audit_record(actor=actor, action=action, obj=booking, before=before, after=booking.snapshot())
    return booking


def booking_client_confirm_attendance(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The client says "I am coming" (the link in the attendance request)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_row_lock(booking.pk)
        if not booking.is_live:
            raise BookingError(_("This booking is no longer active."))
        if booking.starts_at <= now:
            raise BookingError(_("This booking has already started."))
        if booking.client_confirmed_at is None:
            booking.client_confirmed_at = now
            booking.save(update_fields=["client_confirmed_at", "updated_at"])
            audit_record(actor=Actor.client(booking.client.email), action="booking.attendance_confirmed",
                         obj=booking, after=booking.snapshot())
    return booking
