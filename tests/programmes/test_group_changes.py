"""Changing groups people hold places in: nobody loses a place silently, and every move says why."""

import pytest

from booking_core.acting import Actor
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme
from booking_core.programmes.services.group_changes import (
    group_cancel,
    group_change_capacity,
    group_confirm_runs,
    group_merge,
)
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import fresh, make_group, make_programme, one, sign_up

pytestmark = pytest.mark.django_db
OPERATOR = Actor.system("staff")


def test_a_smaller_capacity_moves_the_last_placed_by_the_strategy_or_puts_them_first_in_line(alpha):
    # given: balanced, two groups of three; Monday full, Wednesday with one place left; one waits for Monday
    programme = make_programme(strategy=Programme.Strategy.BALANCED)
    monday, wednesday = make_group(programme, 3), make_group(programme, 3, weekday=2)
    anyone = [one(alpha, programme) for _ in range(3)]
    mondays = [one(alpha, programme, [monday.pk]) for _ in range(2)]
    wednesday_only = one(alpha, programme, [wednesday.pk])
    assert [fresh(s).group_id for s in anyone] == [monday.pk, wednesday.pk, monday.pk]
    assert (fresh(mondays[0]).group_id, fresh(mondays[1]).status) == (monday.pk, "waitlisted")
    assert fresh(wednesday).places_taken == 2

    # when: Monday shrinks to one place
    group_change_capacity(tenant=alpha, group=monday, capacity=1, actor=OPERATOR)

    # then: the two placed on Monday last leave it: the "any group" one moves to Wednesday by the strategy;
    # the Monday-only one has nowhere else to go and waits in front of the one who was already waiting
    moved_over, first_in_line = fresh(anyone[2]), fresh(mondays[0])
    assert (moved_over.status, moved_over.group_id, moved_over.status_rule) == (
        "allocated", wednesday.pk, "group.capacity_reduced")
    assert (first_in_line.status, first_in_line.status_rule) == ("waitlisted", "group.capacity_reduced")
    assert first_in_line.waitlist_number < fresh(mondays[1]).waitlist_number
    assert (fresh(anyone[0]).status, fresh(anyone[0]).group_id) == ("allocated", monday.pk)
    assert (fresh(monday).capacity, fresh(monday).places_taken) == (1, 1)
    assert fresh(wednesday).places_taken == 3 and fresh(wednesday_only).status == "allocated"
    assert AllocationLogEntry.objects.get(programme=programme, decision="capacity_changed").reason == (
        "capacity 3 -> 1; 2 moved out")
    assert AllocationLogEntry.objects.get(signup=moved_over, decision="moved").rule == "balanced.lowest_fill"
    assert AllocationLogEntry.objects.get(signup=first_in_line, decision="waitlisted").reason.startswith(
        "after group.capacity_reduced: every acceptable group is full")


def test_a_larger_capacity_offers_the_new_places_to_the_waitlist_in_order(alpha):
    # given
    programme = make_programme()
    group = make_group(programme, 1)
    one(alpha, programme)
    first, second, third = (one(alpha, programme) for _ in range(3))

    # when
    group_change_capacity(tenant=alpha, group=group, capacity=3, actor=OPERATOR)

    # then
    assert [fresh(s).offer.status if fresh(s).offer_id else None for s in (first, second, third)] == [
        "sent", "sent", None]
    assert fresh(group).places_taken == 3


def test_shrinking_below_open_offers_withdraws_them_first(alpha):
    # given: one place offered to the first waiting
    programme = make_programme()
    group = make_group(programme, 2)
    placed = [one(alpha, programme) for _ in range(2)]
    waiting = one(alpha, programme)
    signup_withdraw(tenant=alpha, signup=placed[0], actor=Actor.client("x@example.com"))
    offer = fresh(waiting).offer

    # when
    group_change_capacity(tenant=alpha, group=group, capacity=1, actor=OPERATOR)

    # then: the offer is gone, the participant waits again, nobody placed had to move
    assert fresh(offer).status == "withdrawn"
    assert (fresh(waiting).status, fresh(waiting).status_rule) == ("waitlisted", "offer.group_changed")
    assert (fresh(placed[1]).status, fresh(group).places_taken) == ("allocated", 1)


def test_a_cancelled_group_reallocates_its_participants_and_tells_those_with_no_other_group(alpha):
    # given: fast fill; Monday full (an "any" sign-up, a Monday-only one, a family of two), Wednesday empty
    programme = make_programme()
    monday, wednesday = make_group(programme, 4), make_group(programme, 4, weekday=2)
    flexible = one(alpha, programme)
    monday_only = one(alpha, programme, [monday.pk])
    family = sign_up(alpha, programme, [monday.pk, wednesday.pk], attendees=["Anna", "Ben"])
    waiting_monday = [one(alpha, programme, [monday.pk]) for _ in range(1)][0]
    assert fresh(waiting_monday).status == "waitlisted"

    # when
    group_cancel(tenant=alpha, group=monday, reason="The pool is closed on Mondays.", actor=OPERATOR)

    # then
    assert fresh(monday).is_cancelled and fresh(monday).places_taken == 0
    assert {(fresh(s).status, fresh(s).group_id, fresh(s).status_rule) for s in [flexible, *family]} == {
        ("allocated", wednesday.pk, "group.cancelled")}
    assert (fresh(monday_only).status, fresh(monday_only).status_rule) == ("not_allocated", "group.cancelled")
    assert (fresh(waiting_monday).status, fresh(waiting_monday).status_reason) == (
        "not_allocated", "The pool is closed on Mondays.")
    assert fresh(wednesday).places_taken == 3
    moves = AllocationLogEntry.objects.filter(programme=programme, decision="moved")
    assert sorted(moves.values_list("signup_id", flat=True)) == sorted([flexible.pk, family[0].pk, family[1].pk])


def test_merging_a_small_group_moves_everyone_and_needs_room(alpha):
    # given
    programme = make_programme(min_group_size=3)
    monday, wednesday = make_group(programme, 2), make_group(programme, 3, weekday=2)
    on_monday = [one(alpha, programme, [monday.pk]) for _ in range(2)]
    one(alpha, programme, [wednesday.pk]), one(alpha, programme, [wednesday.pk])

    # when / then: Wednesday has one place, two are needed
    with pytest.raises(ProgrammeError) as refused:
        group_merge(tenant=alpha, group=monday, into=wednesday, actor=OPERATOR)
    assert refused.value.code == "not_enough_room"
    group_change_capacity(tenant=alpha, group=wednesday, capacity=4, actor=OPERATOR)
    group_merge(tenant=alpha, group=monday, into=wednesday, actor=OPERATOR)
    assert {(fresh(s).group_id, fresh(s).status_rule) for s in on_monday} == {(wednesday.pk, "group.merged")}
    assert (fresh(monday).is_cancelled, fresh(monday).minimum_decision) == (True, "merged")
    assert fresh(wednesday).places_taken == 4


def test_running_a_group_below_the_minimum_is_an_explicit_logged_decision(alpha):
    # given
    programme = make_programme(min_group_size=5)
    group = make_group(programme, 10)
    group.minimum_decision = "pending"
    group.save()

    # when
    group_confirm_runs(group=group, actor=OPERATOR)

    # then
    assert fresh(group).minimum_decision == "run"
    assert AllocationLogEntry.objects.get(group=group, decision="group_runs").reason == (
        "0 of minimum 5; runs by decision")
    assert not PlaceOffer.objects.exists()
