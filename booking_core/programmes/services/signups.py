"""Signing up for a programme and withdrawing.

A sign-up names who takes part (the client, or people they sign up, e.g. their children), the groups they
can attend ranked best first (or any group) and the answers to the programme's form. Several attendees
signed up together who ask to stay together form a household. In immediate mode the strategy places
them at once, under the programme's and its groups' row locks; in batch mode they wait for the run at
the end of the sign-up window. Either way the decision is logged and the participant is told.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.allocation import Applicant, GroupSlot, allocate
from booking_core.programmes import notifications, rules
from booking_core.programmes.errors import AlreadySignedUpError, ProgrammeError, SignUpClosedError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.decisions import Decisions, assignment_apply, signups_save
from booking_core.programmes.services.locking import groups_lock, places_add, programme_groups_lock, programme_lock
from booking_core.programmes.services.offers import offers_fill_freed_places
from booking_core.services.answers import answers_validate
from booking_core.services.audit import audit_record
from booking_core.services.bookings import ClientDetails
from booking_core.services.clients import client_for_booking

MAX_ATTENDEES = 6
Decision = AllocationLogEntry.Decision
Status = SignUp.Status


def _clean_attendees(attendees: list[str] | None) -> list[str]:
    names = [(name or "").strip() for name in (attendees or [""])]
    if not 1 <= len(names) <= MAX_ATTENDEES:
        raise ProgrammeError(_("Sign up between 1 and %(max)d people at a time.") % {"max": MAX_ATTENDEES},
                             fields={"attendees": [_("Out of range.")]})
    if len(names) > 1 and not all(names):
        raise ProgrammeError(_("Give the name of everyone you sign up."), fields={"attendees": [_("Name missing.")]})
    if any(len(name) > 200 for name in names):
        raise ProgrammeError(_("Names are at most 200 characters."), fields={"attendees": [_("Too long.")]})
    if len({name.casefold() for name in names}) != len(names):
        raise ProgrammeError(_("Everyone you sign up needs a different name."),
                             fields={"attendees": [_("Duplicate name.")]})
    return names


def _clean_preferences(programme: Programme, preferences: list[int] | None) -> list[int]:
    preferences = list(preferences or [])
    live = set(programme.groups.filter(is_cancelled=False).values_list("pk", flat=True))
    if any(not isinstance(group_id, int) or isinstance(group_id, bool) for group_id in preferences):
        raise ProgrammeError(_("Preferences are group ids."), fields={"preferences": [_("Not a group id.")]})
    if len(set(preferences)) != len(preferences):
        raise ProgrammeError(_("Name each group once."), fields={"preferences": [_("A group is named twice.")]})
    unknown = [group_id for group_id in preferences if group_id not in live]
    if unknown:
        raise ProgrammeError(_("Pick groups of this programme."), fields={"preferences": [_("Unknown group.")]},
                             extra={"unknown_groups": unknown})
    if not live:
        raise SignUpClosedError(_("This programme has no groups to sign up for."))
    return preferences


def _require_open_window(programme: Programme, now: dt.datetime, actor: Actor, zone) -> None:
    if not actor.is_client:
        # Staff may sign someone up outside the window (a phone call, a late place), until the period is over.
        if now.astimezone(zone).date() > programme.period_end:
            raise SignUpClosedError(_("This programme is over."))
        return
    if not programme.is_published:
        raise SignUpClosedError(_("This programme is not open for sign-up."))
    if now < programme.signup_opens_at:
        raise SignUpClosedError(_("Sign-up has not opened yet."), extra={"opens_at": programme.signup_opens_at})
    if now >= programme.signup_closes_at:
        raise SignUpClosedError(_("Sign-up has closed."), extra={"closed_at": programme.signup_closes_at})


def _is_returning(programme: Programme, client_id: int, attendee_name: str) -> bool:
    if programme.previous_programme_id is None:
        return False
    return SignUp.objects.annotate(name=Lower("attendee_name")).filter(
        programme_id=programme.previous_programme_id, client_id=client_id, name=attendee_name.lower(),
        status=Status.ALLOCATED,
    ).exists()


def signup_create(
    *,
    tenant,
    programme: Programme,
    client: ClientDetails,
    attendees: list[str] | None = None,
    preferences: list[int] | None = None,
    keep_together: bool = True,
    answers: dict | None = None,
    language: str = "en",
    actor: Actor,
    now: dt.datetime | None = None,
) -> list[SignUp]:
    """Sign one or more people up; in immediate mode (or after the batch ran) they are placed or waitlisted
    at once. Clients only while the window is open; staff until the programme is over."""
    now = now or timezone.now()
    _require_open_window(programme, now, actor, tenant.zone)
    names = _clean_attendees(attendees)
    preferences = _clean_preferences(programme, preferences)
    snapshot = answers_validate(service=programme, answers=answers, language=language)
    try:
        with transaction.atomic():
            programme = programme_lock(programme.pk)
            _require_open_window(programme, now, actor, tenant.zone)
            # Again under the lock: a group chosen a moment ago may have been deleted or cancelled since.
            preferences = _clean_preferences(programme, preferences)
            person = client_for_booking(name=client.name, email=client.email, phone=client.phone, language=language)
            taken = sorted(SignUp.objects.annotate(name=Lower("attendee_name")).filter(
                programme=programme, client=person, name__in=[name.lower() for name in names],
                status__in=SignUp.LIVE_STATUSES).values_list("attendee_name", flat=True))
            if taken:
                raise AlreadySignedUpError(_("Already signed up for this programme: %(names)s.")
                                           % {"names": ", ".join(name or person.name for name in taken)})
            household = uuid.uuid4().hex if len(names) > 1 and keep_together else ""
            returning = {name: _is_returning(programme, person.pk, name) for name in names}
            signups = SignUp.objects.bulk_create([
                SignUp(programme=programme, client=person, attendee_name=name, language=language,
                       preferences=preferences, answers=snapshot, household_key=household,
                       is_returning=returning[name], created_at=now)
                for name in names
            ])
            for signup in signups:
                signup.client = person
                audit_record(actor=actor, action="programme_signup.created", obj=signup, after=signup.snapshot())
            decisions = Decisions(programme=programme, actor=actor, now=now)
            if programme.awaits_batch_allocation:
                for signup in signups:
                    signup.status_rule = rules.SIGNED_UP_PENDING
                    decisions.log(decision=Decision.SIGNED_UP, rule=rules.SIGNED_UP_PENDING, signup=signup,
                                  reason="waits for the batch allocation", notify=notifications.SIGNUP_RECEIVED)
                signups_save(signups)
            else:
                _allocate_now(programme, signups, decisions)
            decisions.flush()
    except IntegrityError as error:
        if "signup_one_live_per_participant" in str(error):
            raise AlreadySignedUpError(_("Already signed up for this programme.")) from error
        raise
    return signups


def _allocate_now(programme: Programme, signups: list[SignUp], decisions: Decisions) -> None:
    groups = programme_groups_lock(programme.pk)
    slots = [GroupSlot(id=group.pk, capacity=group.capacity, taken=group.places_taken, order=group.position)
             for group in groups.values()]
    applicants = [Applicant(id=signup.pk, preferences=tuple(signup.preferences) or None,
                            arrival=signup.created_at.timestamp(),
                            priority=programme.serving_priority(signup.is_returning),
                            household=signup.household_key or None) for signup in signups]
    assignment = allocate(slots, applicants, strategy=programme.strategy)
    assignment_apply(decisions=decisions, groups=groups, signups={signup.pk: signup for signup in signups},
                     assignment=assignment)


def signup_withdraw(*, tenant, signup: SignUp, actor: Actor, reason: str = "",
                    now: dt.datetime | None = None) -> SignUp:
    """Leave the programme. A place (or an offered place) that frees up goes to the next one waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        programme = programme_lock(signup.programme_id)
        signup = SignUp.objects.select_related("client").get(pk=signup.pk)
        if signup.status == Status.WITHDRAWN:
            return signup  # a second click changes nothing
        if not signup.is_live:
            raise ProgrammeError(_("This sign-up is closed and can no longer be withdrawn."))
        if programme.period_end < now.astimezone(tenant.zone).date():
            raise ProgrammeError(_("The programme is over."))
        offer = (PlaceOffer.objects.filter(pk=signup.offer_id, status__in=PlaceOffer.HOLDING_STATUSES).first()
                 if signup.offer_id else None)
        if offer is not None and offer.status == PlaceOffer.Status.AWAITING_PAYMENT and offer.places > 1:
            # Its Checkout Session's amount is fixed for all the offered places: shrinking the offer would have the
            # rest pay for a place no longer theirs. One leaves after the payment, or all when it lapses.
            raise ProgrammeError(_(
                "The places offered to your household are being paid for together, so one of you cannot withdraw "
                "now. Complete the payment and withdraw afterwards, or leave it unpaid: the offer then closes for "
                "all of you when the payment is due."))
        held_group_id = signup.group_id or (offer.group_id if offer else None)
        group = groups_lock([held_group_id])[held_group_id] if held_group_id else None
        if offer is not None:
            offer = PlaceOffer.objects.select_for_update().get(pk=offer.pk)
        before = signup.snapshot()
        decisions = Decisions(programme=programme, actor=actor, now=now)
        signup.status, signup.group_id, signup.waitlist_number = Status.WITHDRAWN, None, None
        signup.status_rule, signup.status_reason = rules.WITHDRAWN, (reason or "withdrawn")[:300]
        signup.decided_at = signup.withdrawn_at = now
        signups_save([signup])
        decisions.log(decision=Decision.WITHDRAWN, rule=rules.WITHDRAWN, signup=signup, group_id=held_group_id,
                      reason=reason or "withdrawn", notify=notifications.WITHDRAWN)
        if group is not None:
            _give_back_place(group, offer)
            offers_fill_freed_places(tenant=tenant, programme=programme, group=group, decisions=decisions,
                                     freed_reason="signup.withdrawn")
        audit_record(actor=actor, action="programme_signup.withdrawn", obj=signup, before=before,
                     after=signup.snapshot())
        decisions.flush()
    return signup


def _give_back_place(group: ProgrammeGroup, offer: PlaceOffer | None) -> None:
    places_add(group, -1)
    if offer is None:
        return
    if offer.places == 1:
        offer.status = PlaceOffer.Status.WITHDRAWN
    else:
        offer.places -= 1  # the rest of a household keeps its offer, one place smaller
    offer.save(update_fields=["places", "status", "updated_at"])
