"""What participants receive, in their language: allocation results, the waitlist position, offers."""

import pytest
from django.utils import timezone

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.programmes.services.group_changes import group_change_capacity, group_merge
from booking_core.programmes.services.offers import place_offer_accept
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import make_group, make_programme, one, person

pytestmark = pytest.mark.django_db
OPERATOR = Actor.system("staff")


def deliver(event_type: str, signup, outbox_mail):
    row = OutboxMessage.objects.filter(event_type=event_type, payload__signup_id=signup.pk).latest("id")
    result = delivery.deliver(row.pk)
    return result, (outbox_mail[-1] if result == "sent" else None)


@pytest.fixture
def swimming(alpha):
    programme = make_programme(name_en="Swimming", name_hu="Úszás", name_de="Schwimmen")
    make_group(programme, 1, name_en="Mondays", name_hu="Hétfők", name_de="Montags", location="Pool A")
    return programme


def test_an_allocation_in_hungarian_names_the_group_and_every_session(alpha, swimming, outbox_mail):
    # given
    signup = one(alpha, swimming, language="hu", who=person("Kiss Dóra", "dora@example.hu"), attendees=["Anna"])

    # when
    result, email = deliver("programme.allocated", signup, outbox_mail)

    # then
    assert result == "sent"
    assert email.subject == "Helyet kaptál: Úszás"
    assert email.body.startswith("Kedves Kiss Dóra!")
    assert "Anna helyet kapott. A csoportok egymás után telnek meg" in email.body
    assert "Úszás – Hétfők" in email.body and "Helyszín: Pool A" in email.body
    assert "4 alkalom:" in email.body  # the Mondays of December 2026
    assert f"/programmes/signups/{signup.token}/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Hétfők" in html


def test_a_waitlist_mail_in_german_gives_the_position(alpha, swimming, outbox_mail):
    # given
    one(alpha, swimming)
    waiting = one(alpha, swimming, language="de", who=person("Jonas Weber", "jonas@example.de"))

    # when
    _result, email = deliver("programme.waitlisted", waiting, outbox_mail)

    # then
    assert email.subject == "Auf der Warteliste: Schwimmen"
    assert email.body.startswith("Guten Tag Jonas Weber,")
    assert "Position auf der Warteliste: 1" in email.body
    assert "Wartet auf: Montags" in email.body
    assert "Alle für Sie passenden Gruppen sind voll." in email.body


def test_an_offer_mail_links_to_the_offer_and_stops_once_the_offer_is_answered(alpha, swimming, outbox_mail):
    # given
    placed = one(alpha, swimming)
    waiting = one(alpha, swimming, language="en")
    signup_withdraw(tenant=alpha, signup=placed, actor=Actor.client("x@example.com"))
    waiting.refresh_from_db()

    # when
    _result, email = deliver("programme.offer", waiting, outbox_mail)

    # then
    assert email.subject == "A place is free for you: Swimming"
    assert f"/programmes/offers/{waiting.offer.token}/" in email.body
    assert "The place is held for you until" in email.body
    # a second copy of the mail after the answer is not sent
    place_offer_accept(offer=waiting.offer)
    row = OutboxMessage.objects.filter(event_type="programme.offer", payload__signup_id=waiting.pk).latest("id")
    OutboxMessage.objects.filter(pk=row.pk).update(status="pending", next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == "cancelled"


def test_a_message_about_a_status_that_changed_before_sending_is_not_sent(alpha, swimming, outbox_mail):
    # given: allocated, then withdrawn before the worker got to the allocation mail
    signup = one(alpha, swimming)
    signup_withdraw(tenant=alpha, signup=signup, actor=Actor.client("x@example.com"))

    # when
    result, _email = deliver("programme.allocated", signup, outbox_mail)
    withdrawn, email = deliver("programme.withdrawn", signup, outbox_mail)

    # then
    assert result == "cancelled"
    assert withdrawn == "sent" and email.subject == "Sign-up withdrawn: Swimming"


def test_a_batch_sign_up_is_told_when_places_are_allocated(alpha, outbox_mail):
    # given
    programme = make_programme(allocation_mode="batch", name_en="Tennis", name_de="Tennis")
    make_group(programme, 2)

    # when
    signup = one(alpha, programme, language="de")
    _result, email = deliver("programme.signup_received", signup, outbox_mail)

    # then
    assert email.subject == "Anmeldung erhalten: Tennis"
    assert "Die Plätze werden nach Anmeldeschluss zugeteilt" in email.body


def _moved_from_a_to_b_and_back(alpha, *, deliver_each=None):
    """Xavér gets a place on Mondays (A); Mondays shrink, so he moves to Wednesdays (B); Mondays grow again and
    Wednesdays are merged into them, so he moves back. `deliver_each(signup)` runs after every decision."""
    programme = make_programme(name_en="Swimming")
    mondays = make_group(programme, 2, name_en="Mondays")
    wednesdays = make_group(programme, 2, weekday=2, name_en="Wednesdays")
    one(alpha, programme)
    xaver = one(alpha, programme, who=person("Xavér", "xaver@example.com"))
    for change in (lambda: None,
                   lambda: group_change_capacity(tenant=alpha, group=mondays, capacity=1, actor=OPERATOR),
                   lambda: (group_change_capacity(tenant=alpha, group=mondays, capacity=2, actor=OPERATOR),
                            group_merge(tenant=alpha, group=wednesdays, into=mondays, actor=OPERATOR))):
        change()
        if deliver_each:
            deliver_each(xaver)
    xaver.refresh_from_db()
    assert xaver.group_id == mondays.pk
    return xaver


def _allocation_rows(signup):
    return list(OutboxMessage.objects.filter(event_type="programme.allocated", payload__signup_id=signup.pk)
                .order_by("id").values_list("pk", flat=True))


def test_moved_a_to_b_and_back_before_any_mail_went_out_hears_once_where_they_are(alpha, outbox_mail):
    # given: three decisions, none announced yet
    xaver = _moved_from_a_to_b_and_back(alpha)

    # when: the worker gets to the three notices
    results = [delivery.deliver(pk) for pk in _allocation_rows(xaver)]

    # then: only the latest decision is announced, as a place (he never heard of another group)
    assert results == ["cancelled", "cancelled", "sent"]
    (email,) = outbox_mail
    assert email.subject == "You have a place: Swimming"
    assert "Swimming – Mondays" in email.body and "Wednesdays" not in email.body


def test_moved_a_to_b_and_back_with_each_mail_sent_in_between_hears_about_both_moves(alpha, outbox_mail):
    # given / when: each notice is delivered before the next decision
    def deliver_latest(signup):
        assert delivery.deliver(_allocation_rows(signup)[-1]) == "sent"

    _moved_from_a_to_b_and_back(alpha, deliver_each=deliver_latest)

    # then
    assert [(email.subject, "Swimming – Mondays" in email.body, "Swimming – Wednesdays" in email.body)
            for email in outbox_mail] == [
        ("You have a place: Swimming", True, False),
        ("Your group has changed: Swimming", False, True),
        ("Your group has changed: Swimming", True, False),
    ]


def test_moved_away_and_back_before_the_news_went_out_is_not_news(alpha, outbox_mail):
    # given: told about Mondays; then moved to Wednesdays and back before the worker came round
    def deliver_first_only(signup):
        rows = _allocation_rows(signup)
        if len(rows) == 1:
            assert delivery.deliver(rows[0]) == "sent"

    xaver = _moved_from_a_to_b_and_back(alpha, deliver_each=deliver_first_only)

    # when
    results = [delivery.deliver(pk) for pk in _allocation_rows(xaver)[1:]]

    # then: where he stands is what he was told; no second "Mondays" mail, no stale "Wednesdays" one
    assert results == ["cancelled", "cancelled"]
    assert [email.subject for email in outbox_mail] == ["You have a place: Swimming"]
