"""What participants receive, in their language: allocation results, the waitlist position, offers."""

import pytest
from django.utils import timezone

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.actors import Actor
from booking_core.programmes.services.offers import place_offer_accept
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import make_group, make_programme, one, person

pytestmark = pytest.mark.django_db


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
