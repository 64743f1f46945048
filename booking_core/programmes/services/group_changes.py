"""Changing a group after people hold places in it: capacity, cancellation, merging, the minimum size.

Nobody loses a place silently. A smaller capacity first withdraws open offers of the group (their
participants wait again), then moves the participants who got their place last (households whole) into
other groups they accept, by the programme's strategy; who fits nowhere goes to the front of the
waitlist. A cancelled group does the same with everybody in it, and participants who accept no other
group are told they are not allocated. Every move is logged with the cause and the strategy's rule.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.allocation import Applicant, GroupSlot, allocate
from booking_core.programmes import notifications, rules
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.decisions import Decisions, assignment_apply, decide, signups_save
from booking_core.programmes.services.locking import places_add, programme_groups_lock, programme_lock
from booking_core.programmes.services.offers import offer_withdraw_for_group_change, offers_fill_freed_places
from booking_core.services.audit import audit_record

Decision = AllocationLogEntry.Decision
Status = SignUp.Status


def _lock(group: ProgrammeGroup) -> tuple[Programme, dict[int, ProgrammeGroup], ProgrammeGroup]:
    programme = programme_lock(group.programme_id)
    groups = programme_groups_lock(programme.pk, include_cancelled=True)
    return programme, groups, groups[group.pk]


def _live_ids(groups: dict[int, ProgrammeGroup]) -> set[int]:
    return {group_id for group_id, group in groups.items() if not group.is_cancelled}


def _units_newest_first(group: ProgrammeGroup) -> list[list[SignUp]]:
    members = SignUp.objects.select_related("client").filter(group=group, status=Status.ALLOCATED)
    units: dict[str, list[SignUp]] = {}
    for signup in members.order_by("-decided_at", "-id"):
        units.setdefault(signup.household_key or f"single:{signup.pk}", []).append(signup)
    return list(units.values())


def _reallocate(signups: list[SignUp], *, programme: Programme, groups: dict[int, ProgrammeGroup],
                decisions: Decisions, cause: str) -> None:
    """Place displaced participants in the live groups they accept, by the programme's strategy.

    A cancelled group is not offered to the strategy; its id in someone's preferences is then unknown,
    which the strategy ignores (and a participant who named no other group is not allocated).
    """
    if not signups:
        return
    slots = [GroupSlot(id=group.pk, capacity=group.capacity, taken=group.places_taken, order=group.position)
             for group in groups.values() if not group.is_cancelled]
    applicants = [Applicant(id=signup.pk, preferences=tuple(signup.preferences) or None,
                            arrival=signup.created_at.timestamp(),
                            priority=programme.serving_priority(signup.is_returning),
                            household=signup.household_key or None) for signup in signups]
    assignment = allocate(slots, applicants, strategy=programme.strategy)
    assignment_apply(decisions=decisions, groups=groups, signups={signup.pk: signup for signup in signups},
                     assignment=assignment, placed_decision=Decision.MOVED, cause=cause, waitlist_front=True)


def _release_participants(units: list[list[SignUp]], group: ProgrammeGroup) -> list[SignUp]:
    released = [signup for unit in units for signup in unit]
    for signup in released:
        signup.status, signup.group_id = Status.PENDING, None  # in between: decided again right away
    signups_save(released)
    places_add(group, -len(released))
    return released


def group_change_capacity(*, tenant, group: ProgrammeGroup, capacity: int, actor: Actor,
                          now: dt.datetime | None = None) -> ProgrammeGroup:
    """Raise or lower a group's capacity. More places are offered to the waitlist; fewer move people out."""
    now = now or timezone.now()
    if capacity < 1:
        raise ProgrammeError(_("Capacity must be at least 1."), fields={"capacity": [_("Too small.")]})
    with transaction.atomic():
        programme, groups, group = _lock(group)
        if group.is_cancelled:
            raise ProgrammeError(_("This group is cancelled."))
        before = group.snapshot()
        decisions = Decisions(programme=programme, actor=actor, now=now)
        excess = group.places_taken - capacity
        released: list[SignUp] = []
        if excess > 0:
            live = _live_ids(groups)
            for offer in PlaceOffer.objects.select_for_update().filter(
                    group=group, status__in=PlaceOffer.HOLDING_STATUSES).order_by("-prepared_at", "-id"):
                if group.places_taken <= capacity:
                    break
                offer_withdraw_for_group_change(offer, decisions=decisions, group=group, live_group_ids=live)
            units, excess = [], group.places_taken - capacity
            for unit in _units_newest_first(group):
                if excess <= 0:
                    break
                units.append(unit)
                excess -= len(unit)
            released = _release_participants(units, group)
        ProgrammeGroup.objects.filter(pk=group.pk).update(capacity=capacity, updated_at=now)
        group.capacity = capacity
        decisions.log(decision=Decision.CAPACITY_CHANGED, rule=rules.GROUP_CAPACITY_CHANGED, group_id=group.pk,
                      reason=f"capacity {before['capacity']} -> {capacity}; {len(released)} moved out")
        # The smaller group stays in the running: whoever fits nowhere else waits for it (and others) first.
        _reallocate(released, programme=programme, groups=groups, decisions=decisions,
                    cause=rules.GROUP_CAPACITY_REDUCED)
        if group.places_taken < capacity:
            offers_fill_freed_places(tenant=tenant, programme=programme, group=group, decisions=decisions,
                                     freed_reason="group.capacity_changed")
        audit_record(actor=actor, action="programme_group.capacity_changed", obj=group, before=before,
                     after=group.snapshot())
        decisions.flush()
    return group


def _cancel_locked(group: ProgrammeGroup, *, programme: Programme, groups: dict[int, ProgrammeGroup],
                   decisions: Decisions, reason: str, cause: str) -> None:
    group.is_cancelled = True  # from here on the group is not "live" for anyone's choices
    live = _live_ids(groups)
    for offer in PlaceOffer.objects.select_for_update().filter(group=group, status__in=PlaceOffer.HOLDING_STATUSES):
        offer_withdraw_for_group_change(offer, decisions=decisions, group=group, live_group_ids=live)
    released = _release_participants(_units_newest_first(group), group)
    ProgrammeGroup.objects.filter(pk=group.pk).update(is_cancelled=True, cancellation_reason=reason[:300],
                                                      updated_at=decisions.now)
    group.cancellation_reason = reason[:300]
    decisions.log(decision=Decision.GROUP_CANCELLED, rule=cause, group_id=group.pk, reason=reason)
    _reallocate(released, programme=programme, groups=groups, decisions=decisions, cause=cause)
    # Waiting participants for whom this was the last group they accept will never get a place.
    stranded = [signup for signup in SignUp.objects.select_related("client").filter(
        programme=programme, status=Status.WAITLISTED, preferences__contains=[group.pk])
        if not set(signup.preferences) & live]
    for signup in stranded:
        decide(signup, status=Status.NOT_ALLOCATED, rule=cause, reason=reason, now=decisions.now)
        decisions.log(decision=Decision.NOT_ALLOCATED, rule=cause, signup=signup, group_id=group.pk, reason=reason,
                      notify=notifications.NOT_ALLOCATED)
    signups_save(stranded)


def group_cancel(*, tenant, group: ProgrammeGroup, reason: str, actor: Actor,
                 now: dt.datetime | None = None) -> ProgrammeGroup:
    """Call a group off: its participants are re-allocated by the strategy, waitlisted, or told why not."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ProgrammeError(_("Give a reason; the participants will see it."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        programme, groups, group = _lock(group)
        if group.is_cancelled:
            return group
        before = group.snapshot()
        decisions = Decisions(programme=programme, actor=actor, now=now)
        _cancel_locked(group, programme=programme, groups=groups, decisions=decisions, reason=reason,
                       cause=rules.GROUP_CANCELLED)
        audit_record(actor=actor, action="programme_group.cancelled", obj=group, before=before, after=group.snapshot())
        decisions.flush()
    return group


def group_merge(*, tenant, group: ProgrammeGroup, into: ProgrammeGroup, actor: Actor,
                now: dt.datetime | None = None) -> ProgrammeGroup:
    """Move everyone of a (too small) group into another group of the programme, then cancel it."""
    now = now or timezone.now()
    if into.programme_id != group.programme_id or into.pk == group.pk:
        raise ProgrammeError(_("Merge into another group of the same programme."), fields={"into": [_("Invalid.")]})
    with transaction.atomic():
        programme, groups, group = _lock(group)
        target = groups[into.pk]
        if group.is_cancelled or target.is_cancelled:
            raise ProgrammeError(_("Cancelled groups cannot be merged."))
        moving = [signup for unit in _units_newest_first(group) for signup in unit]
        if len(moving) > target.capacity - target.places_taken:
            raise ProgrammeError(
                _("%(target)s has %(free)d free places, %(count)d are needed. Raise its capacity first.")
                % {"target": target.label(), "free": target.capacity - target.places_taken, "count": len(moving)},
                fields={"into": [_("Not enough room.")]}, code="not_enough_room")
        before = group.snapshot()
        decisions = Decisions(programme=programme, actor=actor, now=now)
        reason = f"merged into {target.label('en')} by the operator"
        places_add(group, -len(moving))
        places_add(target, len(moving))
        for signup in moving:
            decide(signup, status=Status.ALLOCATED, rule=rules.GROUP_MERGED, reason=reason, now=now,
                   group_id=target.pk)
            decisions.log(decision=Decision.MOVED, rule=rules.GROUP_MERGED, signup=signup, group_id=target.pk,
                          reason=reason, notify=notifications.ALLOCATED, payload={"cause": rules.GROUP_MERGED})
        signups_save(moving)
        if target.is_below_minimum and target.places_taken >= programme.min_group_size:
            target.minimum_decision = ProgrammeGroup.MinimumDecision.NONE  # the merge settled it
            ProgrammeGroup.objects.filter(pk=target.pk).update(minimum_decision=target.minimum_decision)
        ProgrammeGroup.objects.filter(pk=group.pk).update(minimum_decision=ProgrammeGroup.MinimumDecision.MERGED)
        group.minimum_decision = ProgrammeGroup.MinimumDecision.MERGED
        _cancel_locked(group, programme=programme, groups=groups, decisions=decisions, reason=reason,
                       cause=rules.GROUP_MERGED)
        audit_record(actor=actor, action="programme_group.merged", obj=group, before=before,
                     after={**group.snapshot(), "into": target.pk})
        decisions.flush()
    return group


def group_confirm_runs(*, group: ProgrammeGroup, actor: Actor, now: dt.datetime | None = None) -> ProgrammeGroup:
    """The operator decides a group below the minimum size runs anyway."""
    now = now or timezone.now()
    with transaction.atomic():
        programme, _groups, group = _lock(group)
        if group.is_cancelled:
            raise ProgrammeError(_("This group is cancelled."))
        before = group.snapshot()
        group.minimum_decision = ProgrammeGroup.MinimumDecision.RUN
        group.save(update_fields=["minimum_decision", "updated_at"])
        decisions = Decisions(programme=programme, actor=actor, now=now)
        decisions.log(decision=Decision.GROUP_RUNS, rule=rules.GROUP_RUNS_BELOW_MINIMUM, group_id=group.pk,
                      reason=f"{group.places_taken} of minimum {programme.min_group_size}; runs by decision")
        audit_record(actor=actor, action="programme_group.runs_below_minimum", obj=group, before=before,
                     after=group.snapshot())
        decisions.flush()
    return group


def groups_flag_below_minimum(*, programme: Programme, groups: dict[int, ProgrammeGroup],
                              decisions: Decisions) -> list[ProgrammeGroup]:
    """At window close: flag live groups under the minimum size for an operator decision (never dropped)."""
    flagged = [group for group in groups.values() if not group.is_cancelled and not group.minimum_decision
               and group.places_taken < programme.min_group_size]
    for group in flagged:
        group.minimum_decision = ProgrammeGroup.MinimumDecision.PENDING
        group.below_minimum_flagged_at = decisions.now
        decisions.log(decision=Decision.GROUP_BELOW_MINIMUM, rule=rules.GROUP_BELOW_MINIMUM, group_id=group.pk,
                      reason=f"{group.places_taken} participants, minimum {programme.min_group_size}: merge or run")
    ProgrammeGroup.objects.filter(pk__in=[group.pk for group in flagged]).update(
        minimum_decision=ProgrammeGroup.MinimumDecision.PENDING, below_minimum_flagged_at=decisions.now)
    return flagged
