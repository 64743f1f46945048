"""What waitlisted clients receive, in the language they joined in."""

from __future__ import annotations

import pytest
from django.db import connection

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.models import Offer
from booking_core.services.bookings import booking_cancel
from booking_core.waitlist.services.offers import offers_expire_due
from tests.factories import OPERATOR, make_service, make_session
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_mail():
    from django.core import mail

    mail.outbox = []
    return mail.outbox


def _deliver(event_type: str, outbox_mail):
    row = OutboxMessage.objects.filter(event_type=event_type).latest("id")
    assert delivery.deliver(row.pk) == "sent"
    return outbox_mail[-1]


def test_joining_confirms_the_position_with_a_status_link_in_the_clients_language(alpha, outbox_mail):
    session = make_session(make_service(name_en="Swimming", name_de="Schwimmen"), capacity=1)
    fill(alpha, session, [1])
    join(alpha, session)
    entry = join(alpha, session, language="de")
    email = _deliver("waitlist.joined", outbox_mail)
    assert email.to == [entry.client.email]
    assert email.subject == "Sie stehen auf der Warteliste: Schwimmen"
    assert "Sie sind Nummer 2 auf der Warteliste für:" in email.body
    assert f"/w/{entry.token}/" in email.body


def test_an_offer_says_what_is_held_until_when_and_links_to_the_offer_page(alpha, outbox_mail):
    session = make_session(make_service(name_en="Swimming", name_hu="Úszás", offer_validity_hours=6), capacity=2,
                           location="Pool A")
    booked = fill(alpha, session, [2])
    entry = join(alpha, session, seats=2, language="hu")
    booking_cancel(tenant=alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get(entry=entry)
    email = _deliver("waitlist.offer", outbox_mail)
    assert email.subject == "Felszabadult egy hely neked: Úszás"
    assert "Pool A" in email.body and "2 hely" in email.body
    assert f"/o/{offer.token}/?via=email" in email.body
    html, _mimetype = email.alternatives[0]
    assert f"/o/{offer.token}/open.gif" in html


def test_an_offer_answered_before_its_email_went_out_is_not_sent(alpha, outbox_mail):
    session = make_session(capacity=1)
    booked = fill(alpha, session, [1])
    entry = join(alpha, session)
    booking_cancel(tenant=alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
    Offer.objects.filter(entry=entry).update(status="withdrawn")
    row = OutboxMessage.objects.get(event_type="waitlist.offer")
    assert delivery.deliver(row.pk) == "cancelled"
    assert outbox_mail == []


def test_an_expired_offer_is_announced(alpha, outbox_mail):
    session = make_session(make_service(name_en="Swimming"), capacity=1)
    booked = fill(alpha, session, [1])
    join(alpha, session)
    booking_cancel(tenant=alpha, booking=booked[0], actor=OPERATOR, reason="Ill")
    offer = Offer.objects.get()
    offers_expire_due(tenant=connection.tenant, now=offer.expires_at)
    email = _deliver("waitlist.offer_expired", outbox_mail)
    assert email.subject == "Your offer has expired: Swimming"
    assert "has gone to the next person on the waitlist" in email.body
