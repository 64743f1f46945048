"""A group's schedule changes after people have places in it: everyone placed is told, in their language,
in the same transaction as the change; renaming, reordering or resizing tells nobody."""

import datetime as dt

import pytest
from django.db import transaction

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.programmes.models import AllocationLogEntry
from booking_core.programmes.services import groups
from booking_core.programmes.services.group_changes import group_change_capacity, group_merge
from booking_core.programmes.services.groups import group_update
from booking_core.programmes.services.programmes import programme_update
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import fresh, make_group, make_programme, one, person

pytestmark = pytest.mark.django_db
OPERATOR = Actor.system("staff")
SCHEDULE_CHANGED = "programme.schedule_changed"


@pytest.fixture
def swimming(alpha):
    """December 2026, Mondays 17:00 for an hour at Pool A: Anna (Hungarian) and Ben placed, Cleo waiting."""
    programme = make_programme(name_en="Swimming", name_hu="Úszás", name_de="Schwimmen")
    mondays = make_group(programme, 2, name_en="Mondays", name_hu="Hétfők", location="Pool A")
    anna = one(alpha, programme, language="hu", who=person("Kiss Dóra", "dora@example.hu"), attendees=["Anna"])
    ben = one(alpha, programme, who=person("Ben Smith", "ben@example.com"))
    cleo = one(alpha, programme)
    return {"programme": programme, "mondays": mondays, "anna": anna, "ben": ben, "cleo": cleo}


def notices():
    return list(OutboxMessage.objects.filter(event_type=SCHEDULE_CHANGED).order_by("id")
                .values_list("payload__signup_id", "language", "payload__schedule"))


def schedule_log():
    return list(AllocationLogEntry.objects.filter(decision="schedule_changed").order_by("id")
                .values_list("signup_id", "group_id", "rule", "reason"))


def deliver_latest(event_type, signup):
    row = OutboxMessage.objects.filter(event_type=event_type, payload__signup_id=signup.pk).latest("id")
    return delivery.deliver(row.pk)


def test_a_new_weekday_time_duration_and_place_is_told_to_everyone_placed(alpha, swimming):
    # when: Mondays 17:00 become Tuesdays 18:00 for 45 minutes at Pool B
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, weekday=1, start_time=dt.time(18),
                 duration_minutes=45, location="Pool B")

    # then: the two placed are told (each in their language), the one waiting is not
    anna, ben, mondays = swimming["anna"], swimming["ben"], swimming["mondays"]
    new = {"weekday": 1, "start_time": "18:00", "duration_minutes": 45, "location": "Pool B"}
    assert notices() == [(anna.pk, "hu", new), (ben.pk, "en", new)]
    reason = "Monday 17:00, 60 min, Pool A -> Tuesday 18:00, 45 min, Pool B"
    assert schedule_log() == [(anna.pk, mondays.pk, "group.schedule_changed", reason),
                              (ben.pk, mondays.pk, "group.schedule_changed", reason)]
    assert OutboxMessage.objects.get(payload__signup_id=anna.pk, event_type=SCHEDULE_CHANGED).idempotency_key == (
        f"programme-log:{AllocationLogEntry.objects.get(signup=anna, decision='schedule_changed').pk}")


def test_the_notices_are_written_in_the_transaction_of_the_change(alpha, swimming, monkeypatch):
    # given: the change fails after the notices were written (at its audit record)
    def fail(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(groups, "audit_record", fail)

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(18))

    # then: neither the new time nor anything that announces it is left
    assert fresh(swimming["mondays"]).start_time == dt.time(17)
    assert (notices(), schedule_log()) == ([], [])


def test_renaming_reordering_or_resizing_a_group_tells_nobody(alpha, swimming):
    # when
    mondays = swimming["mondays"]
    group_update(tenant=alpha, group=mondays, actor=OPERATOR, name_en="Monday swimmers", position=3)
    group_change_capacity(tenant=alpha, group=mondays, capacity=5, actor=OPERATOR)

    # then
    assert (fresh(mondays).name_en, fresh(mondays).capacity) == ("Monday swimmers", 5)
    assert (notices(), schedule_log()) == ([], [])


def test_a_time_that_did_not_change_tells_nobody(alpha, swimming):
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(17), location="Pool A")
    assert (notices(), schedule_log()) == ([], [])


def test_the_mail_in_english_gives_the_new_time_and_every_new_session(alpha, swimming, outbox_mail):
    # given: Ben was told of his place; then the group moves to Tuesdays 18:00 for 45 minutes at Pool B
    ben = swimming["ben"]
    assert deliver_latest("programme.allocated", ben) == "sent"
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, weekday=1, start_time=dt.time(18),
                 duration_minutes=45, location="Pool B")

    # when
    result = deliver_latest(SCHEDULE_CHANGED, ben)

    # then
    assert result == "sent"
    email = outbox_mail[-1]
    assert email.subject == "New times for your group: Swimming"
    assert email.body.startswith("Hello Ben Smith,")
    assert "From now on: Tuesday, 6 p.m., 45 minutes." in email.body
    assert "Swimming – Mondays\nPlace: Pool B\n5 sessions:\n" in email.body
    assert ("- Tuesday, Dec. 1, 2026, 6 p.m. – 6:45 p.m.\n- Tuesday, Dec. 8, 2026, 6 p.m. – 6:45 p.m.\n"
            "- Tuesday, Dec. 15, 2026, 6 p.m. – 6:45 p.m.\n- Tuesday, Dec. 22, 2026, 6 p.m. – 6:45 p.m.\n"
            "- Tuesday, Dec. 29, 2026, 6 p.m. – 6:45 p.m.\n(Europe/Budapest)") in email.body
    assert f"/programmes/signups/{ben.token}/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Pool B" in html and "6:45 p.m." in html


def test_the_mail_in_hungarian_gives_the_new_times_in_hungarian(alpha, swimming, outbox_mail):
    # given
    anna = swimming["anna"]
    assert deliver_latest("programme.allocated", anna) == "sent"
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, weekday=1, start_time=dt.time(18),
                 duration_minutes=45, location="Pool B")

    # when
    result = deliver_latest(SCHEDULE_CHANGED, anna)

    # then: the new weekday, times and dates in Hungarian (the sentences around them are new strings that
    # the catalog translates in its next pass)
    assert result == "sent"
    body = outbox_mail[-1].body
    assert "Kedves Kiss Dóra!" in body
    assert "kedd, 18:00, 45" in body
    assert "Úszás – Hétfők\nHelyszín: Pool B\n5 alkalom:\n- kedd, 2026. december 1. 18:00 – 18:45\n" in body


def test_a_new_period_tells_everyone_placed_with_the_new_sessions(alpha, swimming, outbox_mail):
    # given
    ben = swimming["ben"]
    assert deliver_latest("programme.allocated", ben) == "sent"

    # when: the programme moves to January 2027
    programme_update(tenant=alpha, programme=fresh(swimming["programme"]), actor=OPERATOR,
                     period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 1, 31))

    # then
    same_time = {"weekday": 0, "start_time": "17:00", "duration_minutes": 60, "location": "Pool A"}
    assert notices() == [(swimming["anna"].pk, "hu", same_time), (ben.pk, "en", same_time)]
    assert {reason for *_ids, reason in schedule_log()} == {"period 2026-12-01..2026-12-31 -> 2027-01-01..2027-01-31"}
    assert deliver_latest(SCHEDULE_CHANGED, ben) == "sent"
    assert "4 sessions:\n- Monday, Jan. 4, 2027, 5 p.m. – 6 p.m.\n" in outbox_mail[-1].body


def test_someone_not_yet_told_of_the_place_learns_the_new_times_with_it(alpha, swimming, outbox_mail):
    # given: the group moves before the mail about Ben's place went out
    ben = swimming["ben"]
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, weekday=1, start_time=dt.time(18))

    # when
    schedule_result = deliver_latest(SCHEDULE_CHANGED, ben)
    place_result = deliver_latest("programme.allocated", ben)

    # then: one mail, about the place, with the new sessions
    assert (schedule_result, place_result) == ("cancelled", "sent")
    (email,) = outbox_mail
    assert email.subject == "You have a place: Swimming"
    assert "- Tuesday, Dec. 1, 2026, 6 p.m. – 7 p.m.\n" in email.body


def test_two_quick_changes_send_only_the_latest_times(alpha, swimming, outbox_mail):
    # given
    ben = swimming["ben"]
    assert deliver_latest("programme.allocated", ben) == "sent"
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(18))
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(19))

    # when
    rows = OutboxMessage.objects.filter(event_type=SCHEDULE_CHANGED, payload__signup_id=ben.pk).order_by("id")
    results = [delivery.deliver(row.pk) for row in rows]

    # then
    assert results == ["cancelled", "sent"]
    assert "From now on: Monday, 7 p.m., 60 minutes." in outbox_mail[-1].body


def test_a_participant_who_left_before_the_mail_went_out_is_not_told_the_new_times(alpha, swimming):
    # given
    ben = swimming["ben"]
    assert deliver_latest("programme.allocated", ben) == "sent"
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(18))
    signup_withdraw(tenant=alpha, signup=ben, actor=OPERATOR)

    # when
    results = (deliver_latest(SCHEDULE_CHANGED, ben), deliver_latest("programme.withdrawn", ben))

    # then
    assert results == ("cancelled", "sent")


def test_moved_away_and_back_after_an_unheard_schedule_change_is_told_the_place_with_the_new_times(
        alpha, outbox_mail):
    # given: Xavér was told of his place on Mondays; Mondays move to 18:00, and before that mail goes out he
    # is moved to Wednesdays and back (Mondays shrink, grow again, Wednesdays are merged into them)
    programme = make_programme(name_en="Swimming")
    mondays = make_group(programme, 2, name_en="Mondays")
    wednesdays = make_group(programme, 2, weekday=2, name_en="Wednesdays")
    one(alpha, programme)
    xaver = one(alpha, programme, who=person("Xavér", "xaver@example.com"))
    assert deliver_latest("programme.allocated", xaver) == "sent"
    group_update(tenant=alpha, group=mondays, actor=OPERATOR, start_time=dt.time(18))
    group_change_capacity(tenant=alpha, group=mondays, capacity=1, actor=OPERATOR)
    group_change_capacity(tenant=alpha, group=mondays, capacity=2, actor=OPERATOR)
    group_merge(tenant=alpha, group=wednesdays, into=mondays, actor=OPERATOR)

    # when: the worker gets to the new time, the move to Wednesdays and the move back
    rows = OutboxMessage.objects.filter(payload__signup_id=xaver.pk, status="pending").order_by("id")
    results = [(row.event_type, delivery.deliver(row.pk)) for row in rows]

    # then: his place on Mondays is news after all: it comes with the new time
    assert results == [(SCHEDULE_CHANGED, "cancelled"), ("programme.allocated", "cancelled"),
                       ("programme.allocated", "sent")]
    assert outbox_mail[-1].subject == "You have a place: Swimming"
    assert "Swimming – Mondays\n4 sessions:\n- Monday, Dec. 7, 2026, 6 p.m. – 7 p.m.\n" in outbox_mail[-1].body


OFFER_SCHEDULE_CHANGED = "programme.offer_schedule_changed"


@pytest.fixture
def offered_to_cleo(alpha, swimming):
    """Ben leaves: his place is offered to Cleo (sent at once), who has not answered yet."""
    from booking_core.programmes.models import PlaceOffer

    signup_withdraw(tenant=alpha, signup=swimming["ben"], actor=OPERATOR)
    offer = PlaceOffer.objects.get(signups=swimming["cleo"])
    assert offer.status == "sent" and offer.group_id == swimming["mondays"].pk
    return offer


def test_whoever_holds_an_open_offer_of_a_place_is_told_the_new_times_after_commit(alpha, swimming, offered_to_cleo,
                                                                                   outbox_mail,
                                                                                   django_capture_on_commit_callbacks):
    # when: the group moves to Tuesdays 18:00 while Cleo's offer is open
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, weekday=1, start_time=dt.time(18))

    # then: Cleo's notice is in the outbox, written with the change and handed to the workers after commit
    cleo, new = swimming["cleo"], {"weekday": 1, "start_time": "18:00", "duration_minutes": 60, "location": "Pool A"}
    rows = list(OutboxMessage.objects.filter(event_type=OFFER_SCHEDULE_CHANGED)
                .values_list("payload__signup_id", "payload__offer_id", "payload__schedule", "status"))
    assert rows == [(cleo.pk, offered_to_cleo.pk, new, "pending")]
    assert after_commit, "the workers are nudged only after commit"
    assert (cleo.pk, swimming["mondays"].pk, "group.schedule_changed",
            "Monday 17:00, 60 min, Pool A -> Tuesday 18:00, 60 min, Pool A") in schedule_log()

    # when the notice is delivered: the new time, the group's sessions and the offer's own link
    assert deliver_latest(OFFER_SCHEDULE_CHANGED, cleo) == "sent"
    email = outbox_mail[-1]
    assert email.subject == "New times for the group you are offered: Swimming"
    assert "From now on: Tuesday, 6 p.m., 60 minutes." in email.body
    assert "- Tuesday, Dec. 1, 2026, 6 p.m. – 7 p.m.\n" in email.body
    assert f"/programmes/offers/{offered_to_cleo.token}/" in email.body


def test_an_offer_answered_before_the_mail_went_out_is_not_told_the_new_times(alpha, swimming, offered_to_cleo):
    from booking_core.programmes.services.offers import place_offer_decline

    # given: the group moved, then Cleo declined before the notice was delivered
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(18))
    place_offer_decline(tenant=alpha, offer=offered_to_cleo)

    # when / then
    assert deliver_latest(OFFER_SCHEDULE_CHANGED, swimming["cleo"]) == "cancelled"


def test_a_prepared_offer_nobody_has_seen_is_not_told_the_new_times(alpha, swimming):
    from booking_core.programmes.models import PlaceOffer

    # given: offers wait for an operator; Ben leaves and Cleo's offer is only prepared
    programme = swimming["programme"]
    programme.offer_auto_send = "off"
    programme.save(update_fields=["offer_auto_send"])
    signup_withdraw(tenant=alpha, signup=swimming["ben"], actor=OPERATOR)
    assert PlaceOffer.objects.get(signups=swimming["cleo"]).status == "prepared"

    # when
    group_update(tenant=alpha, group=swimming["mondays"], actor=OPERATOR, start_time=dt.time(18))

    # then
    assert not OutboxMessage.objects.filter(event_type=OFFER_SCHEDULE_CHANGED).exists()
