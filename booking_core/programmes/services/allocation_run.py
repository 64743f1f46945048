"""Batch allocation: preview the run, commit it, and what happens when a sign-up window closes.

A run serves the pending sign-ups in the programme's fair order (arrival, or the lottery drawn from the
seed recorded on the programme; returning participants first when the programme says so) and places
them by its strategy. `allocation_preview` computes exactly what `allocation_commit` would write, without
writing; the preview's fingerprint (a hash of the groups, the sign-ups and the settings it started from)
lets the operator commit precisely what they saw: if anything changed in between, the commit refuses.

At window close (a per-tenant job, see booking_core.programmes.jobs) a batch programme is allocated
automatically unless staff chose to run it themselves, and groups below the minimum size are flagged
for a decision (merge or run) in both modes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.allocation import Applicant, Assignment, GroupSlot, allocate, fair_order, max_fill_spread
from booking_core.programmes.errors import AllocationConflictError, ProgrammeError
from booking_core.programmes.models import AllocationRun, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.decisions import Decisions, SignUpRow, assignment_apply
from booking_core.programmes.services.group_changes import groups_flag_below_minimum
from booking_core.programmes.services.locking import programme_groups_lock, programme_lock
from booking_core.services.audit import audit_record


@dataclass(frozen=True)
class AllocationPlan:
    """What a run would do: the order served, the strategy's assignment, and the fingerprint of its input."""

    programme: Programme
    groups: list[GroupSlot]
    order: list[Applicant]
    assignment: Assignment
    seed: int | None
    fingerprint: str
    signups: dict[int, SignUpRow] = field(repr=False, default_factory=dict)

    @property
    def max_fill_spread(self) -> int:
        """Largest difference in fill between any two groups afterwards (the figure both strategies differ in)."""
        return max_fill_spread(self.assignment, self.groups)

    def below_minimum(self) -> list[int]:
        minimum = self.programme.min_group_size
        return [group.id for group in self.groups if self.assignment.fill[group.id] < minimum]


def _inputs(programme: Programme, groups: list[ProgrammeGroup]) -> tuple[list[GroupSlot], list[Applicant],
                                                                         dict[int, SignUpRow]]:
    """Groups and pending sign-ups as the strategy sees them, and the sign-ups as decisions write them."""
    slots = [GroupSlot(id=group.pk, capacity=group.capacity, taken=group.places_taken, order=group.position)
             for group in groups if not group.is_cancelled]
    rows = (SignUp.objects.filter(programme=programme, status=SignUp.Status.PENDING).order_by("id")
            .values_list("id", "preferences", "created_at", "is_returning", "household_key", "language",
                         "client__email"))
    applicants, signups = [], {}
    for pk, preferences, created_at, is_returning, household, language, email in rows:
        # Priority follows the programme's setting now, not the one in force when they signed up.
        applicants.append(Applicant(id=pk, preferences=tuple(preferences) or None, arrival=created_at.timestamp(),
                                    priority=programme.serving_priority(is_returning), household=household or None))
        signups[pk] = SignUpRow(pk=pk, preferences=preferences, language=language, email=email, created_at=created_at)
    return slots, applicants, signups


def _fingerprint(programme: Programme, slots: list[GroupSlot], applicants: list[Applicant]) -> str:
    described = {
        "strategy": programme.strategy, "order": programme.order_mode, "seed": programme.lottery_seed,
        "returning_priority": programme.returning_priority_enabled,
        "groups": [[slot.id, slot.capacity, slot.taken, slot.order] for slot in slots],
        "signups": [[a.id, list(a.preferences or ()), a.arrival, a.priority, a.household] for a in applicants],
    }
    return hashlib.sha256(json.dumps(described, separators=(",", ":")).encode()).hexdigest()


def _plan(programme: Programme, groups: list[ProgrammeGroup]) -> AllocationPlan:
    slots, applicants, signups = _inputs(programme, groups)
    seed = programme.lottery_seed if programme.order_mode == Programme.OrderMode.LOTTERY else None
    order = fair_order(applicants, mode=programme.order_mode, seed=seed,
                       returning_priority=programme.returning_priority_enabled)
    return AllocationPlan(programme=programme, groups=slots, order=order,
                          assignment=allocate(slots, order, strategy=programme.strategy), seed=seed,
                          fingerprint=_fingerprint(programme, slots, applicants), signups=signups)


def _require_runnable(programme: Programme, now: dt.datetime, *, committing: bool) -> None:
    if not programme.is_batch:
        raise ProgrammeError(_("This programme allocates places on sign-up; there is no batch to run."))
    if programme.allocated_at is not None:
        raise AllocationConflictError(_("The batch allocation of this programme has already been committed."),
                                      extra={"allocated_at": programme.allocated_at})
    if committing and now < programme.signup_closes_at:
        raise ProgrammeError(_("The sign-up window is still open; the batch can be committed once it closes."),
                             code="window_open", extra={"closes_at": programme.signup_closes_at})


def allocation_preview(*, programme: Programme, now: dt.datetime | None = None) -> AllocationPlan:
    """What the batch run would decide right now; writes nothing."""
    _require_runnable(programme, now or timezone.now(), committing=False)
    return _plan(programme, list(programme.groups.all()))


def allocation_commit(*, tenant, programme: Programme, actor: Actor, expected_fingerprint: str | None = None,
                      now: dt.datetime | None = None) -> AllocationRun:
    """Run the batch and write it: places, waitlist, log entries and notices, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        programme = programme_lock(programme.pk)
        _require_runnable(programme, now, committing=True)
        groups = programme_groups_lock(programme.pk, include_cancelled=True)
        plan = _plan(programme, list(groups.values()))
        if expected_fingerprint and expected_fingerprint != plan.fingerprint:
            raise AllocationConflictError(
                _("Sign-ups or groups changed since the preview. Preview again before committing."),
                code="preview_outdated", extra={"fingerprint": plan.fingerprint})
        run = AllocationRun.objects.create(
            programme=programme, strategy=programme.strategy, order_mode=programme.order_mode, seed=plan.seed,
            returning_priority=programme.returning_priority_enabled, fingerprint=plan.fingerprint,
            signups=len(plan.order), max_fill_spread=plan.max_fill_spread, actor_label=actor.label[:200],
        )
        decisions = Decisions(programme=programme, actor=actor, now=now, run=run)
        outcome: Counter = assignment_apply(decisions=decisions, groups=groups, signups=plan.signups,
                                            assignment=plan.assignment)
        run.allocated = outcome[SignUp.Status.ALLOCATED]
        run.waitlisted = outcome[SignUp.Status.WAITLISTED]
        run.not_allocated = outcome[SignUp.Status.NOT_ALLOCATED]
        run.save(update_fields=["allocated", "waitlisted", "not_allocated"])
        programme.allocated_at = now
        _close_window(programme, groups, decisions)
        audit_record(actor=actor, action="programme.allocated", obj=programme, after={
            "run": run.pk, "strategy": run.strategy, "order_mode": run.order_mode, "seed": run.seed,
            "allocated": run.allocated, "waitlisted": run.waitlisted, "not_allocated": run.not_allocated})
        decisions.flush()
    return run


def _close_window(programme: Programme, groups: dict[int, ProgrammeGroup], decisions: Decisions) -> None:
    groups_flag_below_minimum(programme=programme, groups=groups, decisions=decisions)
    programme.window_closed_at = decisions.now
    Programme.objects.filter(pk=programme.pk).update(window_closed_at=programme.window_closed_at,
                                                     allocated_at=programme.allocated_at)


def programme_close_window(*, tenant, programme: Programme, now: dt.datetime | None = None) -> str:
    """Process a closed sign-up window once: run the batch (if automatic) and flag small groups."""
    now = now or timezone.now()
    actor = Actor.system("window close")
    if programme.awaits_batch_allocation:
        if not programme.batch_runs_at_close:
            return "waiting for staff"  # they preview and commit; the commit flags small groups
        try:
            allocation_commit(tenant=tenant, programme=programme, actor=actor, now=now)
        except AllocationConflictError:
            return "already allocated"
        return "allocated"
    with transaction.atomic():
        programme = programme_lock(programme.pk)
        if programme.window_closed_at is not None:
            return "already closed"
        decisions = Decisions(programme=programme, actor=actor, now=now)
        _close_window(programme, programme_groups_lock(programme.pk), decisions)
        decisions.flush()
    return "closed"
