"""Turning programme outbox rows into emails in the participant's language (in the worker, tenant schema set).

Each event has `programmes/email/<event>.subject.txt`, `.txt` and `.html`. Participants are told where
they stand, once, not the history of decisions they could not have acted on:

- a notice overtaken by a later decision about the same sign-up before it went out is not sent
  (allocated, then withdrawn: only the withdrawal; moved A -> B -> A quickly: only the last notice);
- nor one that no longer describes the sign-up (its state changed without a notice of its own);
- nor one that says what the participant was last told (told "A", moved to B and back before the B mail
  went out: nothing new, no mail);
- an allocation is announced as a move ("your group has changed") only when the last mail the participant
  got placed them in another group, so a move they never heard about is announced as their place;
- a new schedule (weekday, time, duration, place, or the programme's period) goes to participants who were
  told of their place in that group and are still in it, unless a later notice overtook it; the others
  learn the new times with their place, whose mail lists the sessions as they are when it is sent. A
  repeated placement is news again when a schedule change came in between that they did not hear about;
- a new schedule also goes to whoever holds an open offer of a place in that group (the offer was sent and
  is still open when the mail goes out), with the offer's link: they are deciding on that group.

Because only the latest notice is sent, mails delivered out of order cannot leave a participant believing
an earlier state.
"""

from __future__ import annotations

import datetime as dt

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.models import OutboxMessage
from booking_core.messages.rendering import tenant_email
from booking_core.programmes import links, notifications, rules
from booking_core.programmes.models import WEEKDAYS, PlaceOffer, SignUp
from booking_core.programmes.selectors import place_offer_payer, signup_status
from tenants.links import tenant_url

STILL_TRUE = {
    notifications.SIGNUP_RECEIVED: lambda signup, row: signup.status == SignUp.Status.PENDING,
    notifications.ALLOCATED: lambda signup, row: signup.status == SignUp.Status.ALLOCATED
    and signup.group_id == row.payload.get("group_id"),
    notifications.WAITLISTED: lambda signup, row: signup.status == SignUp.Status.WAITLISTED,
    notifications.NOT_ALLOCATED: lambda signup, row: signup.status == SignUp.Status.NOT_ALLOCATED,
    notifications.OFFER: lambda signup, row: True,  # checked on the offer itself
    notifications.WITHDRAWN: lambda signup, row: signup.status == SignUp.Status.WITHDRAWN,
    notifications.SCHEDULE_CHANGED: lambda signup, row: signup.status == SignUp.Status.ALLOCATED
    and signup.group_id == row.payload.get("group_id"),
    notifications.OFFER_SCHEDULE_CHANGED: lambda signup, row: signup.offer_id == row.payload.get("offer_id"),
}
# Told about a group's new schedule: overtaken by any later notice about the sign-up.
SCHEDULE_NOTICES = (notifications.SCHEDULE_CHANGED, notifications.OFFER_SCHEDULE_CHANGED)


def _notices_of_the_same_signup(row: OutboxMessage, event_types=notifications.DECISION_EVENT_TYPES):
    return OutboxMessage.objects.filter(tenant_schema=row.tenant_schema, subject_ref=row.subject_ref,
                                        event_type__in=event_types)


def _overtaken(row: OutboxMessage) -> bool:
    # A new schedule is overtaken by any later notice (a decision mail lists the sessions as they are then);
    # a decision only by a later decision.
    later_types = (notifications.EVENT_TYPES if row.event_type in SCHEDULE_NOTICES
                   else notifications.DECISION_EVENT_TYPES)
    return _notices_of_the_same_signup(row, later_types).filter(pk__gt=row.pk).exists()


def _last_told(row: OutboxMessage) -> OutboxMessage | None:
    """The latest decision mail about this sign-up that went out before this notice was written."""
    return (_notices_of_the_same_signup(row).filter(pk__lt=row.pk, status=OutboxMessage.Status.SENT)
            .order_by("-pk").first())


def _says_the_same(told: OutboxMessage | None, row: OutboxMessage) -> bool:
    if told is None or row.event_type in (notifications.OFFER, *SCHEDULE_NOTICES):
        return False
    if (told.event_type, told.payload.get("group_id")) != (row.event_type, row.payload.get("group_id")):
        return False
    unheard_schedule_changes = _notices_of_the_same_signup(row, [notifications.SCHEDULE_CHANGED]).filter(
        pk__gt=told.pk, pk__lt=row.pk).exclude(status=OutboxMessage.Status.SENT)
    return not unheard_schedule_changes.exists()


def _knows_of_the_place(told: OutboxMessage | None, row: OutboxMessage) -> bool:
    return (told is not None and told.event_type == notifications.ALLOCATED
            and told.payload.get("group_id") == row.payload.get("group_id"))


def _signup(row: OutboxMessage, told: OutboxMessage | None) -> SignUp:
    signup = (SignUp.objects.select_related("programme", "client", "group", "offer__group")
              .filter(pk=row.payload.get("signup_id")).first())
    if signup is None:
        raise NoLongerRelevant("the sign-up no longer exists")
    if _overtaken(row):
        raise NoLongerRelevant("a later notice about the sign-up is sent instead")
    if not STILL_TRUE[row.event_type](signup, row):
        raise NoLongerRelevant(f"the sign-up is now {signup.status}")
    if _says_the_same(told, row):
        raise NoLongerRelevant("the participant was last told exactly this")
    if row.event_type == notifications.SCHEDULE_CHANGED and not _knows_of_the_place(told, row):
        raise NoLongerRelevant("the participant learns the new times with the place")
    return signup


def _new_schedule(row: OutboxMessage) -> dict:
    schedule = row.payload.get("schedule")
    if not schedule:
        return {}
    return {"weekday": WEEKDAYS[schedule["weekday"]][1], "start_time": dt.time.fromisoformat(schedule["start_time"]),
            "duration_minutes": schedule["duration_minutes"], "location": schedule["location"]}


def _offer(row: OutboxMessage) -> PlaceOffer | None:
    if row.event_type not in (notifications.OFFER, notifications.OFFER_SCHEDULE_CHANGED):
        return None
    offer = PlaceOffer.objects.select_related("group").filter(pk=row.payload.get("offer_id")).first()
    if offer is None or not offer.awaits_answer(timezone.now()):
        raise NoLongerRelevant("the offer is no longer open")
    return offer


def render_programme_email(row: OutboxMessage) -> EmailMultiAlternatives:
    tenant = connection.tenant
    told = _last_told(row)
    signup = _signup(row, told)
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
        # A move only for someone who was told of a place in another group (their last mail said so).
        "schedule": _new_schedule(row),
        "moved": (told is not None and told.event_type == notifications.ALLOCATED
                  and told.payload.get("group_id") != row.payload.get("group_id")),
    }
    email = tenant_email(tenant=tenant, template=f"programmes/email/{row.event_type.replace('.', '_')}",
                         context=context, recipient=row.recipient)
    if row.event_type == notifications.ALLOCATED and signup.offer_id and _pays_for_the_offer(signup):
        # A paid place's allocation carries its invoice (issued in the transaction that allocated it), as a paid
        # booking's confirmation does; once per offer: in its payer's mail, not in every household member's.
        from billing.invoicing.providers import invoice_attachments

        for file_name, content in invoice_attachments(tenant=tenant, place_offer_id=signup.offer_id):
            email.attach(file_name, content, "application/pdf")
    return email


def _pays_for_the_offer(signup: SignUp) -> bool:
    payer = place_offer_payer(signup.offer)
    return payer is not None and payer.pk == signup.pk


for _event in notifications.EVENT_TYPES:
    renderer(_event)(render_programme_email)
