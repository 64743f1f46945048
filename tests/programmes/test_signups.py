"""Signing up in immediate mode: placed by the strategy at once, waitlisted in order, households together."""

import pytest

from booking_core.errors import BookingError
from booking_core.programmes.errors import AlreadySignedUpError, ProgrammeError, SignUpClosedError
from booking_core.programmes.models import AllocationLogEntry, Programme, SignUp
from booking_core.programmes.selectors import signup_get_by_token
from tests.programmes.factories import fresh, make_group, make_programme, one, person, sign_up

pytestmark = pytest.mark.django_db


def test_fast_fill_places_sign_ups_in_the_first_group_until_it_is_full(alpha):
    # given
    programme = make_programme(strategy=Programme.Strategy.FAST_FILL)
    monday, wednesday = make_group(programme, 2), make_group(programme, 2, weekday=2)

    # when
    signups = [one(alpha, programme) for _ in range(5)]

    # then
    assert [fresh(signup).group_id for signup in signups] == [monday.pk, monday.pk, wednesday.pk, wednesday.pk, None]
    assert [signup.status for signup in signups] == ["allocated"] * 4 + ["waitlisted"]
    assert (fresh(monday).places_taken, fresh(wednesday).places_taken) == (2, 2)
    assert signups[4].waitlist_number == 1 and signups[4].status_rule == "no_acceptable_group_has_room"


def test_balanced_alternates_and_respects_the_preferred_groups(alpha):
    # given
    programme = make_programme(strategy=Programme.Strategy.BALANCED)
    monday, wednesday, friday = make_group(programme, 3), make_group(programme, 3), make_group(programme, 3)

    # when
    first, second = one(alpha, programme), one(alpha, programme)
    third = one(alpha, programme, [friday.pk, monday.pk])

    # then
    assert (first.group_id, second.group_id, third.group_id) == (monday.pk, wednesday.pk, friday.pk)
    assert first.status_rule == "balanced.lowest_fill"


def test_every_decision_is_logged_with_its_rule_and_announced_in_the_outbox(alpha):
    # given
    from allot.outbox.models import OutboxMessage

    programme = make_programme()
    group = make_group(programme, 1)

    # when
    placed = one(alpha, programme, language="hu")
    waiting = one(alpha, programme)

    # then
    entries = list(AllocationLogEntry.objects.filter(programme=programme).values_list(
        "signup_id", "decision", "group_id", "strategy", "rule"))
    assert entries == [
        (placed.pk, "allocated", group.pk, "fast_fill", "fast_fill.first_open_group"),
        (waiting.pk, "waitlisted", None, "fast_fill", "no_acceptable_group_has_room"),
    ]
    messages = list(OutboxMessage.objects.filter(subject_ref__startswith="programme-signup:")
                    .order_by("id").values_list("event_type", "language", "payload"))
    assert [(event, language) for event, language, _payload in messages] == [
        ("programme.allocated", "hu"), ("programme.waitlisted", "en")]
    assert messages[0][2]["group_id"] == group.pk


def test_a_household_is_placed_together_or_waits_together(alpha):
    # given: one group with three places, one taken
    programme = make_programme()
    group = make_group(programme, 3)
    one(alpha, programme)

    # when: a parent signs up three children who want to stay together, then two
    trio = sign_up(alpha, programme, attendees=["Anna", "Ben", "Cili"])
    pair = sign_up(alpha, programme, attendees=["Dani", "Emma"])

    # then
    assert {signup.status for signup in trio} == {"waitlisted"}
    assert {signup.status_rule for signup in trio} == {"household.no_group_fits_all"}
    assert len({signup.household_key for signup in trio}) == 1 and trio[0].household_key
    assert {signup.group_id for signup in pair} == {group.pk}
    assert fresh(group).places_taken == 3


def test_attendees_who_need_not_stay_together_are_placed_one_by_one(alpha):
    # given
    programme = make_programme()
    make_group(programme, 1)

    # when
    signups = sign_up(alpha, programme, attendees=["Anna", "Ben"], keep_together=False)

    # then
    assert [signup.status for signup in signups] == ["allocated", "waitlisted"]
    assert signups[0].household_key == ""


def test_status_by_token_shows_position_groups_and_explanation(alpha):
    # given
    programme = make_programme()
    monday, wednesday = make_group(programme, 1), make_group(programme, 1)
    one(alpha, programme), one(alpha, programme)
    waiting_any = one(alpha, programme)
    waiting_wednesday = one(alpha, programme, [wednesday.pk])
    waiting_monday = one(alpha, programme, [monday.pk])

    # when
    status = signup_get_by_token(token=waiting_monday.token)

    # then: the "any" sign-up waits for Monday too; the Wednesday-only one does not
    assert status.status == "waitlisted"
    assert status.position == 2
    assert status.waiting_for == [monday]
    assert status.explanation == "Every group you can attend is full."
    assert signup_get_by_token(token=waiting_wednesday.token).position == 2
    assert signup_get_by_token(token=waiting_any.token).position == 1


def test_the_same_participant_cannot_sign_up_twice(alpha):
    # given
    programme = make_programme()
    make_group(programme, 5)
    parent = person("Kiss Dóra", "dora@example.com")
    sign_up(alpha, programme, attendees=["Anna"], who=parent)

    # when / then
    with pytest.raises(AlreadySignedUpError):
        sign_up(alpha, programme, attendees=["anna", "Ben"], who=parent)
    assert SignUp.objects.filter(programme=programme).count() == 1


def test_sign_up_outside_the_window_or_with_wrong_answers_is_refused(alpha):
    # given
    closed = make_programme(open_now=False)
    make_group(closed)
    programme = make_programme()
    make_group(programme)
    programme.form_fields.create(key="age", field_type="number", label_en="Age", required=True)

    # when / then
    with pytest.raises(SignUpClosedError):
        one(alpha, closed)
    with pytest.raises(BookingError) as refused:
        one(alpha, programme, answers={"age": "old"})
    assert refused.value.fields == {"age": ["Enter a number."]}
    with pytest.raises(ProgrammeError) as unknown:
        one(alpha, programme, [999])
    assert unknown.value.fields == {"preferences": ["Unknown group."]}
    assert one(alpha, programme, answers={"age": 7}).answers[0]["value"] == "7"
