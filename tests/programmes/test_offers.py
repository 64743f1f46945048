"""A freed place is offered to the next one waiting who accepts the group; the offer holds the place until it
is accepted (exactly once), declined or expires, and then passes on."""

import datetime as dt

import pytest
from django.utils import timezone

from allot.jobs.tasks import run_tenant_job_now
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.programmes.errors import OfferClosedError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme
from booking_core.programmes.services.offers import place_offer_accept, place_offer_decline, place_offer_release
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import fresh, make_group, make_programme, one, sign_up

pytestmark = pytest.mark.django_db
JOB = "programmes.tick"


@pytest.fixture
def full(alpha):
    """Monday (1 place) and Wednesday (1 place), both taken; three waiting: Wednesday-only, any, Monday-only."""
    programme = make_programme(offer_validity_hours=24)
    monday, wednesday = make_group(programme, 1), make_group(programme, 1, weekday=2)
    placed_monday, placed_wednesday = one(alpha, programme, [monday.pk]), one(alpha, programme, [wednesday.pk])
    waiting = [one(alpha, programme, [wednesday.pk]), one(alpha, programme), one(alpha, programme, [monday.pk])]
    return programme, monday, wednesday, placed_monday, placed_wednesday, waiting


def test_a_withdrawal_offers_the_place_to_the_first_waiting_who_accepts_that_group(alpha, full):
    # given
    programme, monday, _wednesday, placed_monday, _placed_wednesday, waiting = full
    now = timezone.now()

    # when
    signup_withdraw(tenant=alpha, signup=placed_monday, actor=Actor.client("x@example.com"), now=now)

    # then: the Wednesday-only sign-up is passed over; the "any group" one gets Monday
    offer = PlaceOffer.objects.get(programme=programme)
    assert (offer.group_id, offer.places, offer.status) == (monday.pk, 1, "sent")
    assert offer.expires_at == now + dt.timedelta(hours=24)
    assert fresh(waiting[1]).offer_id == offer.pk and fresh(waiting[1]).status == "waitlisted"
    assert fresh(monday).places_taken == 1, "the offer holds the place"
    assert OutboxMessage.objects.filter(event_type="programme.offer", payload__offer_id=offer.pk).count() == 1
    decisions = list(AllocationLogEntry.objects.filter(programme=programme, created_at=now).values_list(
        "decision", "signup_id", "rule"))
    assert decisions == [("withdrawn", placed_monday.pk, "signup.withdrawn"),
                         ("offer_prepared", waiting[1].pk, "offer.next_on_waitlist"),
                         ("offer_sent", waiting[1].pk, "offer.next_on_waitlist")]


def test_accepting_allocates_the_place_exactly_once(alpha, full):
    # given
    programme, monday, _wednesday, placed_monday, _placed_wednesday, waiting = full
    signup_withdraw(tenant=alpha, signup=placed_monday, actor=Actor.client("x@example.com"))
    offer = PlaceOffer.objects.get(programme=programme)

    # when
    place_offer_accept(offer=offer)
    again = place_offer_accept(offer=offer)

    # then
    assert again.status == "accepted"
    signup = fresh(waiting[1])
    assert (signup.status, signup.group_id, signup.status_rule) == ("allocated", monday.pk, "offer.accepted")
    assert fresh(monday).places_taken == 1
    assert AllocationLogEntry.objects.filter(signup=signup, decision="offer_accepted").count() == 1
    with pytest.raises(OfferClosedError):
        place_offer_decline(tenant=alpha, offer=offer)


def test_declining_ends_the_sign_up_and_passes_the_place_on(alpha, full):
    # given
    programme, monday, _wednesday, placed_monday, _placed_wednesday, waiting = full
    signup_withdraw(tenant=alpha, signup=placed_monday, actor=Actor.client("x@example.com"))
    first = PlaceOffer.objects.get(programme=programme)

    # when
    place_offer_decline(tenant=alpha, offer=first)

    # then: the Monday-only sign-up is next
    assert (fresh(first).status, fresh(waiting[1]).status, fresh(waiting[1]).status_rule) == (
        "declined", "not_allocated", "offer.declined")
    second = PlaceOffer.objects.exclude(pk=first.pk).get()
    assert (second.group_id, fresh(waiting[2]).offer_id) == (monday.pk, second.pk)
    assert fresh(monday).places_taken == 1


def test_expired_offers_are_closed_by_the_job_and_pass_on(alpha, full):
    # given
    programme, monday, _wednesday, placed_monday, _placed_wednesday, waiting = full
    signup_withdraw(tenant=alpha, signup=placed_monday, actor=Actor.client("x@example.com"))
    first = PlaceOffer.objects.get(programme=programme)
    PlaceOffer.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    # when: the participant answers too late, then the job runs
    with pytest.raises(OfferClosedError) as too_late:
        place_offer_accept(offer=first)
    handled = run_tenant_job_now(JOB, alpha)

    # then
    assert too_late.value.extra == {"status": "expired"}
    assert handled == 1
    assert (fresh(first).status, fresh(waiting[1]).status, fresh(waiting[1]).status_rule) == (
        "expired", "not_allocated", "offer.expired")
    assert PlaceOffer.objects.get(status="sent").signups.get() == fresh(waiting[2])
    assert run_tenant_job_now(JOB, alpha) == 0, "running twice changes nothing"


@pytest.mark.parametrize(("setting", "tenant_default", "sent"), [
    ("off", True, False), ("on", False, True), ("inherit", False, False), ("inherit", True, True)])
def test_offers_are_sent_at_once_or_prepared_for_staff_as_set(alpha, setting, tenant_default, sent):
    # given
    alpha.waitlist_auto_send_enabled = tenant_default
    programme = make_programme(offer_auto_send=setting)
    group = make_group(programme, 1)
    placed, waiting = one(alpha, programme), one(alpha, programme)

    # when
    signup_withdraw(tenant=alpha, signup=placed, actor=Actor.client("x@example.com"))

    # then
    offer = PlaceOffer.objects.get(programme=programme)
    assert offer.status == ("sent" if sent else "prepared")
    assert (offer.expires_at is not None) is sent
    assert OutboxMessage.objects.filter(event_type="programme.offer").exists() is sent
    assert fresh(group).places_taken == 1 and fresh(waiting).offer_id == offer.pk


def test_staff_release_a_prepared_offer_and_its_time_starts_then(alpha):
    # given
    programme = make_programme(offer_auto_send=Programme.OfferRelease.OFF, offer_validity_hours=6)
    make_group(programme, 1)
    placed, waiting = one(alpha, programme), one(alpha, programme)
    signup_withdraw(tenant=alpha, signup=placed, actor=Actor.client("x@example.com"))
    offer = PlaceOffer.objects.get(programme=programme)
    with pytest.raises(OfferClosedError):
        place_offer_accept(offer=offer)
    released_at = timezone.now() + dt.timedelta(hours=3)

    # when
    place_offer_release(tenant=alpha, offer=offer, actor=Actor.system("staff"), now=released_at)

    # then
    offer = fresh(offer)
    assert (offer.status, offer.expires_at, offer.released_by) == ("sent", released_at + dt.timedelta(hours=6),
                                                                   "staff")
    assert OutboxMessage.objects.filter(event_type="programme.offer", payload__signup_id=waiting.pk).count() == 1
    with pytest.raises(OfferClosedError):
        place_offer_release(tenant=alpha, offer=offer, actor=Actor.system("staff"))


def test_a_waiting_household_keeps_its_position_until_there_is_room_for_all(alpha):
    # given: a full group of two; a family of two waits first, then a single participant
    programme = make_programme()
    group = make_group(programme, 2)
    first, second = one(alpha, programme), one(alpha, programme)
    family = sign_up(alpha, programme, attendees=["Anna", "Ben"])
    single = one(alpha, programme)

    # when: one place frees up
    signup_withdraw(tenant=alpha, signup=first, actor=Actor.client("x@example.com"))

    # then: the family does not fit and keeps its position; the single participant is offered the place
    assert fresh(single).offer.group_id == group.pk
    assert {fresh(member).offer_id for member in family} == {None}

    # when: the single participant declines, and the second place frees up too
    place_offer_decline(tenant=alpha, offer=fresh(single).offer)
    signup_withdraw(tenant=alpha, signup=second, actor=Actor.client("y@example.com"))

    # then: one offer of two places for the family; accepting places both
    offer = PlaceOffer.objects.get(places=2)
    assert {fresh(member).offer_id for member in family} == {offer.pk}
    assert OutboxMessage.objects.filter(event_type="programme.offer", payload__offer_id=offer.pk).count() == 1
    place_offer_accept(offer=offer)
    assert {(fresh(member).status, fresh(member).group_id) for member in family} == {("allocated", group.pk)}
    assert fresh(group).places_taken == 2


def test_withdrawing_a_waitlisted_sign_up_with_an_open_offer_passes_the_offer_on(alpha, full):
    # given
    programme, monday, _wednesday, placed_monday, _placed_wednesday, waiting = full
    signup_withdraw(tenant=alpha, signup=placed_monday, actor=Actor.client("x@example.com"))
    offer = fresh(waiting[1]).offer

    # when
    signup_withdraw(tenant=alpha, signup=waiting[1], actor=Actor.client("y@example.com"))

    # then
    assert fresh(offer).status == "withdrawn"
    assert fresh(waiting[2]).offer.status == "sent"
    assert fresh(monday).places_taken == 1
