"""Offering freed places to the waitlist, and the participant's answer.

When a place frees up (a withdrawal, a declined or expired offer, a larger capacity) it is offered to the
first waiting unit, in waitlist order (returning participants first while the programme's returning
priority is on, then waitlist number), that accepts the group and fits
the free places; a household that does not fit keeps its position and the next one is asked. The offer
holds its places at once. Depending on the programme (or the organisation's default) it is sent straight
away, with `offer_validity_hours` to answer, or kept prepared until staff release it. Accepting allocates
the place, exactly once; declining or letting it expire ends the sign-up and passes the places on.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.jobs.due import due_work_note
from booking_core.acting import Actor
from booking_core.programmes import notifications, rules
from booking_core.programmes.due import programmes_note_due
from booking_core.programmes.errors import OfferClosedError, ProgrammeError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.decisions import Decisions, decide, signups_save
from booking_core.programmes.services.locking import groups_lock, places_add, programme_lock
from booking_core.services.audit import audit_record
from booking_core.services.bookings import PAYMENT_HOLDS_JOB

Decision = AllocationLogEntry.Decision
Status = SignUp.Status


def _waiting_units(programme: Programme, group: ProgrammeGroup):
    """Waiting units (households whole) that accept the group and hold no open offer, in waitlist order."""
    accepts_group = Q(preferences=[]) | Q(preferences__contains=[group.pk])
    waiting = (SignUp.objects.select_related("client")
               .filter(programme=programme, status=Status.WAITLISTED)
               .exclude(offer__status__in=PlaceOffer.HOLDING_STATUSES))
    order = ("waitlist_number", "id")
    if programme.returning_priority_enabled:  # the setting now, not the one at sign-up
        order = ("-is_returning", *order)
    seen_households: set[str] = set()
    for signup in waiting.filter(accepts_group).order_by(*order).iterator(chunk_size=200):
        if not signup.household_key:
            yield [signup]
            continue
        if signup.household_key in seen_households:
            continue
        seen_households.add(signup.household_key)
        unit = list(SignUp.objects.select_related("client").filter(
            programme=programme, status=Status.WAITLISTED, household_key=signup.household_key).order_by("id"))
        # Together or not at all: every waiting member must accept the group and be free of other offers.
        accepts = all(not member.preferences or group.pk in member.preferences for member in unit)
        if accepts and not any(_holds_open_offer(member) for member in unit):
            yield unit


def _holds_open_offer(signup: SignUp) -> bool:
    return signup.offer_id is not None and PlaceOffer.objects.filter(
        pk=signup.offer_id, status__in=PlaceOffer.HOLDING_STATUSES).exists()


def offers_fill_freed_places(*, tenant, programme: Programme, group: ProgrammeGroup, decisions: Decisions,
                             freed_reason: str) -> list[PlaceOffer]:
    """Offer the locked group's free places to the waitlist (programme and group locked by the caller)."""
    if group.is_cancelled or programme.awaits_batch_allocation:
        return []  # before a batch run nobody waits yet: the run itself hands out the places
    now = decisions.now
    offers = []
    free = group.capacity - group.places_taken
    for unit in _waiting_units(programme, group) if free > 0 else []:
        if len(unit) > free:
            continue  # a household that does not fit keeps its position
        offer = PlaceOffer.objects.create(programme=programme, group=group, places=len(unit), prepared_at=now,
                                          freed_reason=freed_reason[:100])
        places_add(group, len(unit))
        for signup in unit:
            signup.offer = offer
        signups_save(unit)
        for signup in unit:
            decisions.log(decision=Decision.OFFER_PREPARED, rule=rules.OFFER_FREED_PLACE, signup=signup,
                          group_id=group.pk, reason=f"place freed by {freed_reason}; first waiting who fits")
        if programme.offers_sent_automatically(tenant):
            _send(offer, unit, programme=programme, decisions=decisions, rule=rules.OFFER_FREED_PLACE)
        offers.append(offer)
        free -= len(unit)
        if free <= 0:
            break
    return offers


def _send(offer: PlaceOffer, unit: list[SignUp], *, programme: Programme, decisions: Decisions, rule: str) -> None:
    now = decisions.now
    offer.status = PlaceOffer.Status.SENT
    offer.sent_at = now
    offer.expires_at = now + dt.timedelta(hours=programme.offer_validity_hours)
    offer.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    programmes_note_due(offer.expires_at)
    for index, signup in enumerate(unit):
        # One email per offer: it names every member of the household.
        decisions.log(decision=Decision.OFFER_SENT, rule=rule, signup=signup, group_id=offer.group_id,
                      reason=f"valid until {offer.expires_at.isoformat()}",
                      notify=notifications.OFFER if index == 0 else None, payload={"offer_id": offer.pk})


def _lock_offer(offer_id: int) -> tuple[Programme, ProgrammeGroup, PlaceOffer]:
    """Programme, then group, then the offer: the same order as every other programme operation."""
    unlocked = PlaceOffer.objects.only("programme_id", "group_id").get(pk=offer_id)
    programme = programme_lock(unlocked.programme_id)
    group = groups_lock([unlocked.group_id])[unlocked.group_id]
    offer = PlaceOffer.objects.select_for_update().get(pk=offer_id)
    return programme, group, offer


def _members(offer: PlaceOffer) -> list[SignUp]:
    return list(SignUp.objects.select_related("client").filter(offer=offer, status=Status.WAITLISTED).order_by("id"))


def place_offer_release(*, tenant, offer: PlaceOffer, actor: Actor, now: dt.datetime | None = None) -> PlaceOffer:
    """Staff send a prepared offer; the validity window starts now."""
    now = now or timezone.now()
    with transaction.atomic():
        programme, _group, offer = _lock_offer(offer.pk)
        if offer.status != PlaceOffer.Status.PREPARED:
            raise OfferClosedError(_("Only prepared offers can be released; this one is %(status)s.")
                                   % {"status": offer.get_status_display()})
        decisions = Decisions(programme=programme, actor=actor, now=now)
        before = offer.snapshot()
        offer.released_by = actor.label[:200]
        _send(offer, _members(offer), programme=programme, decisions=decisions, rule=rules.OFFER_RELEASED)
        offer.save(update_fields=["released_by", "updated_at"])
        audit_record(actor=actor, action="place_offer.released", obj=offer, before=before, after=offer.snapshot())
        decisions.flush()
    return offer


def place_offer_accept(*, offer: PlaceOffer, now: dt.datetime | None = None,
                       payment_due_at: dt.datetime | None = None) -> PlaceOffer:
    """The participant takes the offered place. A second accept of the same offer changes nothing.

    With `payment_due_at` (a priced programme of a tenant taking online payments) the offer awaits its payment
    until then, still holding its places; the payment allocates them (offer_payments.place_offer_payment_settle).
    """
    now = now or timezone.now()
    with transaction.atomic():
        programme, group, offer = _lock_offer(offer.pk)
        if offer.status in (PlaceOffer.Status.ACCEPTED, PlaceOffer.Status.AWAITING_PAYMENT):
            return offer
        _require_answerable(offer, now)
        members = _members(offer)
        actor = Actor.client(members[0].client.email if members else "unknown")
        before = offer.snapshot()
        offer.responded_at = now
        if payment_due_at is not None:
            offer.status = PlaceOffer.Status.AWAITING_PAYMENT
            offer.payment_due_at = payment_due_at
            offer.save(update_fields=["status", "responded_at", "payment_due_at", "updated_at"])
            due_work_note(PAYMENT_HOLDS_JOB, payment_due_at)
            audit_record(actor=actor, action="place_offer.awaiting_payment", obj=offer, before=before,
                         after=offer.snapshot())
            return offer
        offer.status = PlaceOffer.Status.ACCEPTED
        offer.save(update_fields=["status", "responded_at", "updated_at"])
        place_offer_allocate(offer, members, programme=programme, group=group, actor=actor, now=now)
        audit_record(actor=actor, action="place_offer.accepted", obj=offer, before=before, after=offer.snapshot())
    return offer


def place_offer_allocate(offer: PlaceOffer, members: list[SignUp], *, programme: Programme, group: ProgrammeGroup,
                         actor: Actor, now: dt.datetime) -> None:
    """Give the offer's members their places in the group (locks held; the places are already counted)."""
    decisions = Decisions(programme=programme, actor=actor, now=now)
    for signup in members:
        decide(signup, status=Status.ALLOCATED, rule=rules.OFFER_ACCEPTED, reason="accepted the offered place",
               now=now, group_id=group.pk)
        decisions.log(decision=Decision.OFFER_ACCEPTED, rule=rules.OFFER_ACCEPTED, signup=signup,
                      group_id=group.pk, reason="accepted the offered place", notify=notifications.ALLOCATED)
    signups_save(members)
    decisions.flush()


def place_offer_decline(*, tenant, offer: PlaceOffer, now: dt.datetime | None = None) -> PlaceOffer:
    """The participant turns the place down: the sign-up ends and the place goes to the next one waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        programme, group, offer = _lock_offer(offer.pk)
        if offer.status == PlaceOffer.Status.DECLINED:
            return offer
        _require_answerable(offer, now)
        members = _members(offer)
        actor = Actor.client(members[0].client.email if members else "unknown")
        _close(offer, members, programme=programme, group=group, tenant=tenant, now=now, actor=actor,
               status=PlaceOffer.Status.DECLINED, decision=Decision.OFFER_DECLINED, rule=rules.OFFER_DECLINED)
    return offer


def _require_answerable(offer: PlaceOffer, now: dt.datetime) -> None:
    if offer.status != PlaceOffer.Status.SENT:
        raise OfferClosedError(_("This offer is no longer open."), extra={"status": offer.status})
    if not offer.awaits_answer(now):
        raise OfferClosedError(_("This offer has expired."), extra={"status": PlaceOffer.Status.EXPIRED})


def _close(offer: PlaceOffer, members: list[SignUp], *, programme: Programme, group: ProgrammeGroup, tenant, now,
           actor: Actor, status: str, decision: str, rule: str, audit_action: str = "") -> None:
    decisions = Decisions(programme=programme, actor=actor, now=now)
    before = offer.snapshot()
    offer.status = status
    offer.responded_at = now
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    places_add(group, -offer.places)
    for signup in members:
        decide(signup, status=Status.NOT_ALLOCATED, rule=rule, reason=decision.replace("_", " "), now=now)
        decisions.log(decision=decision, rule=rule, signup=signup, group_id=group.pk,
                      reason=decision.replace("_", " "), notify=notifications.NOT_ALLOCATED)
    signups_save(members)
    audit_record(actor=actor, action=audit_action or f"place_offer.{status}", obj=offer, before=before,
                 after=offer.snapshot())
    offers_fill_freed_places(tenant=tenant, programme=programme, group=group, decisions=decisions,
                             freed_reason=f"offer.{status}")
    decisions.flush()


def place_offers_expire(*, tenant, now: dt.datetime | None = None) -> int:
    """Close sent offers whose time is up and pass their places on; returns how many expired."""
    now = now or timezone.now()
    due = list(PlaceOffer.objects.filter(status=PlaceOffer.Status.SENT, expires_at__lte=now)
               .order_by("expires_at", "id").values_list("pk", flat=True))
    expired = 0
    for offer_id in due:
        with transaction.atomic():
            programme, group, offer = _lock_offer(offer_id)
            if offer.status != PlaceOffer.Status.SENT or offer.expires_at > now:
                continue  # answered (or released again) since we looked
            _close(offer, _members(offer), programme=programme, group=group, tenant=tenant, now=now,
                   actor=Actor.system("offer expiry"), status=PlaceOffer.Status.EXPIRED,
                   decision=Decision.OFFER_EXPIRED, rule=rules.OFFER_EXPIRED)
            expired += 1
    return expired


def offer_withdraw_for_group_change(offer: PlaceOffer, *, decisions: Decisions, group: ProgrammeGroup,
                                    live_group_ids: set[int]) -> list[SignUp]:
    """The group shrank or was cancelled under an open offer: its members wait again (or, if no group they
    accept is left, are not allocated). Locks are the caller's; returns the members."""
    if offer.status not in PlaceOffer.HOLDING_STATUSES:
        raise ProgrammeError(_("Only open offers can be withdrawn."))
    members = _members(offer)
    offer.status = PlaceOffer.Status.WITHDRAWN
    offer.responded_at = decisions.now
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    places_add(group, -offer.places)
    for signup in members:
        still_possible = (set(signup.preferences) if signup.preferences else live_group_ids) & live_group_ids
        if still_possible:
            decisions.log(decision=Decision.OFFER_WITHDRAWN, rule=rules.OFFER_WITHDRAWN, signup=signup,
                          group_id=group.pk, reason="the group changed; waiting again")
            signup.status_rule, signup.status_reason = rules.OFFER_WITHDRAWN, "the group changed; waiting again"
        else:
            decide(signup, status=Status.NOT_ALLOCATED, rule=rules.GROUP_CANCELLED, now=decisions.now,
                   reason="offer withdrawn and no acceptable group is left")
            decisions.log(decision=Decision.NOT_ALLOCATED, rule=rules.GROUP_CANCELLED, signup=signup,
                          group_id=group.pk, reason="offer withdrawn and no acceptable group is left",
                          notify=notifications.NOT_ALLOCATED)
    signups_save(members)
    return members
