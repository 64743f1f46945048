"""Joining and leaving waitlists, operator priorities, and the activity that shows who is responsive."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.errors import WaitlistError
from booking_core.messages import waitlist_notifications
from booking_core.models import Offer, Service, Session, StaffMember, WaitlistEntry
from booking_core.selectors.availability import free_slots
from booking_core.services.answers import answers_validate
from booking_core.services.audit import audit_record
from booking_core.services.bookings import ClientDetails
from booking_core.services.capacity import session_lock, staff_lock
from booking_core.services.clients import client_for_booking
from booking_core.waitlist.due import entry_over_at, waitlist_note_due
from booking_core.waitlist.services.offers import offer_close_for_leaving_entry

MAX_RANGE_DAYS = 62
PRIORITY_MIN, PRIORITY_MAX = -1000, 1000


def _target(*, service: Service, session: Session | None, date_from: dt.date | None, date_to: dt.date | None,
            staff: StaffMember | None, seats: int, today: dt.date, now: dt.datetime, zone) -> dict:
    """Check what the client wants to wait for; return the entry's target fields."""
    if not service.is_active:
        raise WaitlistError(_("This service is not bookable at the moment."), fields={"service": [_("Not bookable.")]})
    horizon = today + dt.timedelta(days=service.horizon_days)
    if service.is_group:
        if not 1 <= seats <= service.max_seats_per_booking:
            raise WaitlistError(_("Ask for between 1 and %(max)d seats.") % {"max": service.max_seats_per_booking},
                                fields={"seats": [_("Out of range.")]})
        if staff is not None:
            raise WaitlistError(_("Group sessions are not booked with a staff member."),
                                fields={"staff": [_("Not for group services.")]})
        if session is not None:
            if session.service_id != service.pk or session.is_cancelled or session.starts_at <= now:
                raise WaitlistError(_("Pick an upcoming session of this service."),
                                    fields={"session": [_("Not available.")]})
            if session.seats_free >= seats:
                raise WaitlistError(_("There are free seats in this session: book them instead."),
                                    fields={"session": [_("Seats are free.")]}, code="seats_available")
            return {"target_kind": WaitlistEntry.Target.SESSION, "session": session,
                    "target_key": f"session:{session.pk}"}
        if date_from is None or date_to is None:
            raise WaitlistError(_("Pick a session, or a date range for any session of this service."),
                                fields={"session": [_("Required.")]})
        if date_to < date_from or date_to < today or (date_to - date_from).days > MAX_RANGE_DAYS \
                or date_from > horizon:
            raise WaitlistError(
                _("Pick a date range of at most %(days)d days, ending in the future.") % {"days": MAX_RANGE_DAYS},
                fields={"date_to": [_("Out of range.")]})
        return {"target_kind": WaitlistEntry.Target.SERVICE_RANGE, "date_from": date_from, "date_to": date_to,
                "target_key": f"range:{service.pk}:{date_from}:{date_to}"}
    if seats != 1:
        raise WaitlistError(_("An appointment is for one person."), fields={"seats": [_("Must be 1.")]})
    day = date_from
    if day is None or session is not None:
        raise WaitlistError(_("Pick the day you would like an appointment on."), fields={"date": [_("Required.")]})
    if not today <= day <= horizon:
        raise WaitlistError(_("Pick a day between today and %(last)s.") % {"last": horizon.isoformat()},
                            fields={"date": [_("Out of range.")]})
    if staff is not None and not service.staff_members.filter(pk=staff.pk, is_active=True).exists():
        raise WaitlistError(_("No such staff member for this service."), fields={"staff": [_("Unknown.")]})
    if free_slots(service=service, zone=zone, date_from=day, date_to=day, now=now,
                  staff_id=staff.pk if staff else None):
        raise WaitlistError(_("There are free times on this day: book one instead."),
                            fields={"date": [_("Times are free.")]}, code="seats_available")
    return {"target_kind": WaitlistEntry.Target.DATE, "date_from": day, "date_to": day, "staff": staff,
            "target_key": f"date:{service.pk}:{day}:{staff.pk if staff else 'any'}"}


def _checked_priority(priority: int, reason: str, *, field: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WaitlistError(_("Say why the priority changes; it is shown with the ranking."),
                            fields={field: [_("Required.")]})
    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise WaitlistError(_("Use a priority between -1000 and 1000."), fields={"priority": [_("Out of range.")]})
    return reason[:300]


def waitlist_join(
    *,
    tenant,
    service: Service,
    client: ClientDetails,
    actor: Actor,
    session: Session | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    staff: StaffMember | None = None,
    seats: int = 1,
    answers: dict | None = None,
    language: str = "en",
    source: str = WaitlistEntry.Source.WEB,
    campaign_code: str = "",
    priority: int = 0,
    priority_reason: str = "",
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put a client on the waitlist for a full session, any session in a date range, or an appointment day
    (operators may give a priority at once, with its reason)."""
    now = now or timezone.now()
    priority_reason = _checked_priority(priority, priority_reason, field="priority_reason") if priority else ""
    today = now.astimezone(tenant.zone).date()
    if service.is_individual and date_to is None:
        date_to = date_from
    if session is not None:
        session = Session.objects.get(pk=session.pk)  # the seat counters as they are now, not as the caller saw them
    target = _target(service=service, session=session, date_from=date_from, date_to=date_to, staff=staff,
                     seats=seats, today=today, now=now, zone=tenant.zone)
    snapshot = answers_validate(service=service, answers=answers, language=language)
    campaign_code = (campaign_code or "").strip()
    if campaign_code:
        source = WaitlistEntry.Source.CAMPAIGN
    with transaction.atomic():
        person = client_for_booking(name=client.name, email=client.email, phone=client.phone, language=language)
        entry = WaitlistEntry(service=service, client=person, language=language, seats_wanted=seats,
                              answers=snapshot, source=source, campaign_code=campaign_code[:50], **target)
        if priority:
            entry.priority, entry.priority_reason = priority, priority_reason
            entry.priority_changed_by, entry.priority_changed_at = actor.label[:200], now
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as error:
            raise WaitlistError(_("You are already on this waitlist."), code="already_waitlisted") from error
        audit_record(actor=actor, action="waitlist.joined", obj=entry, after=entry.snapshot())
        waitlist_notifications.notify_waitlist_joined(entry)
        waitlist_note_due(entry_over_at(target_kind=entry.target_kind,
                                        session_starts_at=session.starts_at if session is not None else None,
                                        date_to=entry.date_to, zone=tenant.zone))
    return entry


class _OfferChangedMeanwhile(Exception):
    """The entry got (or lost) an offer between looking and locking: start the removal again."""


def waitlist_entry_remove(*, entry: WaitlistEntry, actor: Actor, now: dt.datetime | None = None) -> WaitlistEntry:
    """Leave the list (the client) or take someone off it (an operator). An open offer is passed on."""
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            return _remove(entry, actor, now)
        except _OfferChangedMeanwhile:
            continue
    raise WaitlistError(_("This waitlist entry is changing right now; please try again."))


def _open_offer_seen(entry_id: int) -> Offer | None:
    """The entry's open offer as it looks before anything is locked (it may change a moment later)."""
    return Offer.objects.filter(entry_id=entry_id, status__in=Offer.OPEN_STATUSES).first()


def _remove(entry: WaitlistEntry, actor: Actor, now: dt.datetime) -> WaitlistEntry:
    with transaction.atomic():
        # The offer's place must be locked before the entry (the order every offer transition uses), so look
        # first, lock, and start over if what was locked is no longer the entry's open offer.
        seen = _open_offer_seen(entry.pk)
        if seen is not None:
            if seen.session_id:
                session_lock(seen.session_id)
            else:
                staff_lock([seen.staff_id])
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("client").get(pk=entry.pk)
        if entry.status == WaitlistEntry.Status.REMOVED:
            return entry
        if not entry.is_live:
            raise WaitlistError(_("This waitlist entry is already closed."))
        offer = Offer.objects.select_for_update(of=("self",)).select_related("entry", "entry__client", "service") \
            .filter(entry_id=entry.pk, status__in=Offer.OPEN_STATUSES).first()
        if (offer is None) != (seen is None) or (offer and (offer.session_id, offer.staff_id) != (
                seen.session_id, seen.staff_id)):
            raise _OfferChangedMeanwhile
        before = entry.snapshot()
        if offer is not None:
            offer.entry = entry
            offer_close_for_leaving_entry(offer=offer, actor=actor, now=now)
        entry.status, entry.closed_at = WaitlistEntry.Status.REMOVED, now
        entry.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(actor=actor, action="waitlist.removed", obj=entry, before=before, after=entry.snapshot())
    return entry


def waitlist_entry_set_priority(*, entry: WaitlistEntry, priority: int, reason: str, actor: Actor,
                                now: dt.datetime | None = None) -> WaitlistEntry:
    """Move a candidate up or down; the reason is recorded and shown next to the ranking."""
    reason = _checked_priority(priority, reason, field="reason")
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_live:
            raise WaitlistError(_("This waitlist entry is already closed."))
        before = entry.snapshot()
        entry.priority, entry.priority_reason = priority, reason
        entry.priority_changed_by, entry.priority_changed_at = actor.label[:200], now or timezone.now()
        entry.save(update_fields=["priority", "priority_reason", "priority_changed_by", "priority_changed_at",
                                  "updated_at"])
        audit_record(actor=actor, action="waitlist.priority_changed", obj=entry, before=before,
                     after=entry.snapshot())
    return entry


ACTIVITY_COUNTERS = {"email_opened": "emails_opened", "link_clicked": "links_clicked", "page_view": "page_views"}


def waitlist_activity_record(*, entry_id: int, kind: str, now: dt.datetime | None = None) -> None:
    """Count an email open, a link click or a page view of a candidate (one UPDATE, no lock)."""
    counter = ACTIVITY_COUNTERS[kind]
    WaitlistEntry.objects.filter(pk=entry_id).update(**{counter: F(counter) + 1},
                                                     last_activity_at=now or timezone.now())
