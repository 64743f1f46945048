"""Batch allocation: pending until the window closes, previewed without writing, committed exactly as
previewed, reproducible from the recorded seed; small groups flagged at window close."""

import datetime as dt

import pytest
from django.utils import timezone

from allot.jobs.tasks import run_tenant_job_now
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.allocation import Applicant, GroupSlot, allocate, fair_order
from booking_core.programmes.errors import AllocationConflictError, ProgrammeError
from booking_core.programmes.models import AllocationLogEntry, AllocationRun, Programme, SignUp
from booking_core.programmes.selectors import signup_get_by_token
from booking_core.programmes.services.allocation_run import allocation_commit, allocation_preview
from booking_core.programmes.services.programmes import programme_update
from booking_core.programmes.services.signups import signup_withdraw
from tests.factories import make_client
from tests.programmes.factories import fresh, make_group, make_programme, one, person

pytestmark = pytest.mark.django_db
OPERATOR = Actor.system("staff")
JOB = "programmes.tick"


def batch_programme(alpha, *, signups: int = 7, **fields):
    """Three groups of two (Monday, Wednesday, Friday) and sign-ups pending; the window then closes."""
    programme = make_programme(allocation_mode=Programme.AllocationMode.BATCH, **fields)
    groups = [make_group(programme, 2, weekday=day) for day in (0, 2, 4)]
    pending = [one(alpha, programme) for _ in range(signups)]
    Programme.objects.filter(pk=programme.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))
    return fresh(programme), groups, pending


def test_sign_ups_wait_for_the_batch_and_hear_that_they_do(alpha):
    # given
    programme = make_programme(allocation_mode=Programme.AllocationMode.BATCH)
    make_group(programme, 2)

    # when
    signup = one(alpha, programme)

    # then
    assert (signup.status, signup.status_rule, signup.group_id) == ("pending", "signup.pending_batch", None)
    assert OutboxMessage.objects.filter(event_type="programme.signup_received", payload__signup_id=signup.pk).exists()


def test_the_preview_writes_nothing_and_the_commit_writes_exactly_the_preview(alpha):
    # given
    programme, groups, pending = batch_programme(alpha, strategy=Programme.Strategy.BALANCED)
    logged_before = AllocationLogEntry.objects.count()

    # when
    plan = allocation_preview(programme=programme)
    assert AllocationLogEntry.objects.count() == logged_before and not AllocationRun.objects.exists()
    run = allocation_commit(tenant=alpha, programme=programme, actor=OPERATOR, expected_fingerprint=plan.fingerprint)

    # then: six places, evenly, the seventh sign-up waits
    assert {signup.pk: fresh(signup).group_id for signup in pending} == {
        decision.applicant_id: decision.group_id for decision in plan.assignment.decisions}
    assert [fresh(group).places_taken for group in groups] == [2, 2, 2]
    assert (run.signups, run.allocated, run.waitlisted, run.not_allocated) == (7, 6, 1, 0)
    assert (run.strategy, run.order_mode, run.fingerprint) == ("balanced", "arrival", plan.fingerprint)
    assert AllocationLogEntry.objects.filter(run=run).count() == 7
    events = sorted(OutboxMessage.objects.filter(payload__signup_id__in=[s.pk for s in pending],
                                                 event_type__in=["programme.allocated", "programme.waitlisted"])
                    .values_list("event_type", flat=True))
    assert events == ["programme.allocated"] * 6 + ["programme.waitlisted"]
    assert fresh(programme).allocated_at is not None and fresh(programme).window_closed_at is not None


def test_the_commit_refuses_when_anything_changed_since_the_preview(alpha):
    # given
    programme, groups, pending = batch_programme(alpha)
    plan = allocation_preview(programme=programme)
    one(alpha, programme, actor=OPERATOR)  # staff add a late sign-up

    # when / then
    with pytest.raises(AllocationConflictError) as refused:
        allocation_commit(tenant=alpha, programme=programme, actor=OPERATOR, expected_fingerprint=plan.fingerprint)
    assert refused.value.code == "preview_outdated"
    assert set(SignUp.objects.filter(programme=programme).values_list("status", flat=True)) == {"pending"}


def test_the_batch_runs_once_and_only_after_the_window_closed(alpha):
    # given
    open_programme = make_programme(allocation_mode=Programme.AllocationMode.BATCH)
    make_group(open_programme)
    programme, _groups, _pending = batch_programme(alpha)
    allocation_commit(tenant=alpha, programme=programme, actor=OPERATOR)

    # when / then
    with pytest.raises(ProgrammeError) as too_early:
        allocation_commit(tenant=alpha, programme=open_programme, actor=OPERATOR)
    assert too_early.value.code == "window_open"
    allocation_preview(programme=open_programme)  # previewing early is fine
    with pytest.raises(AllocationConflictError):
        allocation_commit(tenant=alpha, programme=programme, actor=OPERATOR)
    assert AllocationRun.objects.filter(programme=programme).count() == 1


def test_a_lottery_is_reproducible_from_the_recorded_seed(alpha):
    # given
    programme, groups, pending = batch_programme(alpha, signups=12, order_mode=Programme.OrderMode.LOTTERY,
                                                 lottery_seed=424242)

    # when
    run = allocation_commit(tenant=alpha, programme=programme, actor=OPERATOR)

    # then: anyone with the run's seed and the sign-ups replays the same result
    assert run.seed == 424242
    applicants = [Applicant(id=signup.pk, arrival=signup.created_at.timestamp()) for signup in pending]
    slots = [GroupSlot(id=group.pk, capacity=2, taken=0, order=group.position) for group in groups]
    replayed = allocate(slots, fair_order(applicants, mode="lottery", seed=run.seed), strategy="fast_fill")
    assert {signup.pk: fresh(signup).group_id for signup in pending} == {
        applicant.id: replayed.placed.get(applicant.id) for applicant in applicants}
    waiting = sorted((s for s in map(fresh, pending) if s.status == "waitlisted"), key=lambda s: s.waitlist_number)
    assert [signup.pk for signup in waiting] == replayed.unplaced, "the waitlist keeps the lottery's order"
    assert replayed.unplaced != sorted(replayed.unplaced), "the lottery did reorder (seed 424242)"


def test_returning_participants_of_the_previous_period_are_served_first(alpha):
    # given: Bea took part last month; this month the programme favours returning participants
    previous = make_programme(open_now=False)
    make_group(previous, 5)
    bea = person("Bea", "bea@example.com")
    SignUp.objects.create(programme=previous, client=make_client(bea.email), status="allocated",
                          group=previous.groups.get())
    programme = make_programme(allocation_mode="batch", previous_programme=previous, returning_priority_enabled=True)
    make_group(programme, 1)
    newcomer = one(alpha, programme)
    returning = one(alpha, programme, who=bea)
    Programme.objects.filter(pk=programme.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))

    # when
    allocation_commit(tenant=alpha, programme=fresh(programme), actor=OPERATOR)

    # then
    assert (returning.is_returning, returning.priority, newcomer.priority) == (True, 1, 0)
    assert (fresh(returning).status, fresh(newcomer).status) == ("allocated", "waitlisted")


def _took_part_last_period(name: str, email: str):
    """A previous programme in which this person had a place, and their contact details."""
    previous = make_programme(open_now=False)
    make_group(previous, 5)
    details = person(name, email)
    SignUp.objects.create(programme=previous, client=make_client(details.email), status="allocated",
                          group=previous.groups.get())
    return previous, details


def _close_and_commit(alpha, programme):
    Programme.objects.filter(pk=programme.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))
    return allocation_commit(tenant=alpha, programme=fresh(programme), actor=OPERATOR)


def test_returning_priority_switched_on_after_the_sign_ups_serves_the_returning_participant_first(alpha):
    # given: Bea took part last month; she signs up after a newcomer, while returning priority is off
    previous, bea = _took_part_last_period("Bea", "bea@example.com")
    programme = make_programme(allocation_mode="batch", previous_programme=previous, returning_priority_enabled=False)
    make_group(programme, 1)
    newcomer = one(alpha, programme)
    returning = one(alpha, programme, who=bea)

    # when: staff switch returning priority on before the batch (allowed until it runs), then it runs
    programme_update(tenant=alpha, programme=fresh(programme), actor=OPERATOR, returning_priority_enabled=True)
    run = _close_and_commit(alpha, programme)

    # then
    assert (run.returning_priority, fresh(returning).is_returning) == (True, True)
    assert (fresh(returning).status, fresh(newcomer).status) == ("allocated", "waitlisted")


def test_returning_priority_switched_off_after_the_sign_ups_lets_nobody_jump_the_waitlist(alpha):
    # given: returning priority on while three sign up: two newcomers, then Bea, who took part last month
    previous, bea = _took_part_last_period("Bea", "bea@example.com")
    programme = make_programme(allocation_mode="batch", previous_programme=previous, returning_priority_enabled=True)
    make_group(programme, 1)
    placed, second, returning = one(alpha, programme), one(alpha, programme), one(alpha, programme, who=bea)

    # when: staff switch it off before the batch; the batch runs; then the one placed withdraws
    programme_update(tenant=alpha, programme=fresh(programme), actor=OPERATOR, returning_priority_enabled=False)
    _close_and_commit(alpha, programme)
    positions_before = (signup_get_by_token(token=second.token).position,
                        signup_get_by_token(token=returning.token).position)
    signup_withdraw(tenant=alpha, signup=fresh(placed), actor=OPERATOR)

    # then: arrival order throughout: the second newcomer waits first and is offered the freed place
    assert positions_before == (1, 2)
    assert (fresh(placed).status, fresh(second).status, fresh(returning).status) == (
        "withdrawn", "waitlisted", "waitlisted")
    assert (fresh(second).offer.status, fresh(returning).offer_id) == ("sent", None)
    assert signup_get_by_token(token=returning.token).position == 2


def test_the_job_allocates_closed_batch_programmes_unless_staff_run_them(alpha):
    # given
    automatic, _groups, _pending = batch_programme(alpha, signups=2)
    manual, _other_groups, manual_pending = batch_programme(alpha, signups=2, batch_runs_at_close=False)

    # when
    run_tenant_job_now(JOB, alpha)

    # then
    assert AllocationRun.objects.get(programme=automatic).actor_label == "window close"
    assert not AllocationRun.objects.filter(programme=manual).exists()
    assert {fresh(signup).status for signup in manual_pending} == {"pending"}
    assert run_tenant_job_now(JOB, alpha) == 0


def test_groups_below_the_minimum_are_flagged_at_window_close_not_dropped(alpha):
    # given: immediate mode, minimum three; Monday gets three, Wednesday one, Friday none
    programme = make_programme(min_group_size=3)
    monday, wednesday, friday = (make_group(programme, 5, weekday=day) for day in (0, 2, 4))
    for _ in range(3):
        one(alpha, programme, [monday.pk])
    one(alpha, programme, [wednesday.pk])
    Programme.objects.filter(pk=programme.pk).update(signup_closes_at=timezone.now() - dt.timedelta(minutes=1))

    # when
    run_tenant_job_now(JOB, alpha)

    # then
    assert [fresh(group).minimum_decision for group in (monday, wednesday, friday)] == ["", "pending", "pending"]
    flagged = AllocationLogEntry.objects.filter(programme=programme, decision="group_below_minimum")
    assert sorted(flagged.values_list("group_id", "reason")) == sorted([
        (wednesday.pk, "1 participants, minimum 3: merge or run"),
        (friday.pk, "0 participants, minimum 3: merge or run")])
    assert fresh(wednesday).places_taken == 1, "nobody was dropped"
    assert fresh(programme).window_closed_at is not None
    assert run_tenant_job_now(JOB, alpha) == 0
