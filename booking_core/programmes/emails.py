"""Turning programme outbox rows into emails in the participant's language (in the worker, tenant schema set).

Each event has `programmes/email/<event>.subject.txt`, `.txt` and `.html`. A message that no longer
describes the sign-up (allocated, then withdrawn before the mail went out) is not sent: the participant
gets the mail of the later decision instead.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.models import OutboxMessage
from booking_core.email_rendering import tenant_email
from booking_core.programmes import links, notifications, rules
from booking_core.programmes.models import PlaceOffer, SignUp
from booking_core.programmes.selectors import signup_status
from tenants.links import tenant_url

STILL_TRUE = {
    notifications.SIGNUP_RECEIVED: lambda signup, row: signup.status == SignUp.Status.PENDING,
    notifications.ALLOCATED: lambda signup, row: signup.status == SignUp.Status.ALLOCATED
    and signup.group_id == row.payload.get("group_id"),
    notifications.WAITLISTED: lambda signup, row: signup.status == SignUp.Status.WAITLISTED,
    notifications.NOT_ALLOCATED: lambda signup, row: signup.status == SignUp.Status.NOT_ALLOCATED,
    notifications.OFFER: lambda signup, row: True,  # checked on the offer itself
    notifications.WITHDRAWN: lambda signup, row: signup.status == SignUp.Status.WITHDRAWN,
}


def _signup(row: OutboxMessage) -> SignUp:
    signup = (SignUp.objects.select_related("programme", "client", "group", "offer__group")
              .filter(pk=row.payload.get("signup_id")).first())
    if signup is None:
        raise NoLongerRelevant("the sign-up no longer exists")
    if not STILL_TRUE[row.event_type](signup, row):
        raise NoLongerRelevant(f"the sign-up is now {signup.status}")
    return signup


def _offer(row: OutboxMessage) -> PlaceOffer | None:
    if row.event_type != notifications.OFFER:
        return None
    offer = PlaceOffer.objects.select_related("group").filter(pk=row.payload.get("offer_id")).first()
    if offer is None or offer.status != PlaceOffer.Status.SENT or offer.expires_at <= timezone.now():
        raise NoLongerRelevant("the offer is no longer open")
    return offer


def render_programme_email(row: OutboxMessage) -> EmailMultiAlternatives:
    tenant = connection.tenant
    signup = _signup(row)
    offer = _offer(row)
    language = row.language
    programme = signup.programme
    group = offer.group if offer else signup.group
    status = signup_status(signup)
    people = [signup, *status.household] if offer else [signup]
    context = {
        "tenant": tenant,
        "primary_colour": tenant.primary_colour,
        "time_zone": tenant.timezone,
        "client_name": signup.client.name,
        "participants": ", ".join(person.attendee_name or person.client.name for person in people
                                  if person.offer_id == signup.offer_id or not offer),
        "programme_name": programme.translated("name", language),
        "group_name": group.label(language) if group else "",
        "group": group,
        "sessions": list(group.sessions.order_by("starts_at")) if group else [],
        "price_amount": programme.price_amount,
        "price_currency": programme.price_currency,
        "explanation": rules.explain(signup.status_rule),
        "position": status.position,
        "waiting_for": [waited.label(language) for waited in status.waiting_for],
        "closes_at": programme.signup_closes_at,
        "offer": offer,
        "status_url": tenant_url(tenant, links.signup_status_path(signup.token)),
        "offer_url": tenant_url(tenant, links.offer_path(offer.token)) if offer else "",
        "moved": bool(row.payload.get("cause")),
    }
    return tenant_email(tenant=tenant, template=f"programmes/email/{row.event_type.replace('.', '_')}",
                        context=context, recipient=row.recipient)


for _event in notifications.EVENT_TYPES:
    renderer(_event)(render_programme_email)
