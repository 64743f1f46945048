"""Reads of programmes: what clients see (open programmes, a participant's status by token) and operator lists.

For the booking site's pages as well as the API: `programmes_open_for_signup`, `programme_get_for_clients`
(with live groups, their places and sessions, and the form), `signup_get_by_token` (status with waitlist
position, the groups waited for, the explanation, an open offer) and `offer_get_by_token`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.programmes import rules
from booking_core.programmes.errors import ProgrammeNotFoundError
from booking_core.programmes.models import (
    AllocationLogEntry,
    PlaceOffer,
    Programme,
    ProgrammeGroup,
    ProgrammeSession,
    SignUp,
)


def _live_groups() -> Prefetch:
    return Prefetch("groups", to_attr="live_groups", queryset=ProgrammeGroup.objects.filter(is_cancelled=False)
                    .order_by("position", "id").prefetch_related(
                        Prefetch("sessions", queryset=ProgrammeSession.objects.order_by("starts_at"))))


def programmes_open_for_signup(*, now: dt.datetime | None = None) -> QuerySet[Programme]:
    """Published programmes whose sign-up window is open now, soonest-closing first, with live groups."""
    now = now or timezone.now()
    return (Programme.objects.filter(is_published=True, signup_opens_at__lte=now, signup_closes_at__gt=now)
            .order_by("signup_closes_at", "id").prefetch_related(_live_groups()))


def programme_get_for_clients(*, programme_id) -> Programme:
    """A published programme with its live groups (sessions included) and its form; otherwise a 404."""
    programme = (Programme.objects.filter(pk=programme_id, is_published=True)
                 .prefetch_related(_live_groups(), "form_fields").first())
    if programme is None:
        raise ProgrammeNotFoundError(_("No such programme."))
    return programme


def programmes_for_operator() -> QuerySet[Programme]:
    return Programme.objects.order_by("-period_start", "id")


def programme_get_for_operator(*, programme_id) -> Programme:
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise ProgrammeNotFoundError(_("No such programme."))
    return programme


def groups_for_operator(*, programme: Programme) -> QuerySet[ProgrammeGroup]:
    return (programme.groups.order_by("position", "id")
            .prefetch_related(Prefetch("sessions", queryset=ProgrammeSession.objects.order_by("starts_at"))))


def signups_for_operator(*, programme: Programme, status: str | None = None,
                         group_id: int | None = None) -> QuerySet[SignUp]:
    signups = programme.signups.select_related("client", "group", "offer").order_by("created_at", "id")
    if status:
        signups = signups.filter(status=status)
    if group_id:
        signups = signups.filter(group_id=group_id)
    return signups


def log_entries_for_operator(*, programme: Programme, signup_id: int | None = None, decision: str | None = None,
                             group_id: int | None = None) -> QuerySet[AllocationLogEntry]:
    entries = programme.log_entries.select_related("signup__client", "group").order_by("id")
    if signup_id:
        entries = entries.filter(signup_id=signup_id)
    if decision:
        entries = entries.filter(decision=decision)
    if group_id:
        entries = entries.filter(group_id=group_id)
    return entries


def offers_for_operator(*, programme: Programme, status: str | None = None) -> QuerySet[PlaceOffer]:
    signups = Prefetch("signups", queryset=SignUp.objects.select_related("client").order_by("id"))
    offers = programme.offers.select_related("group").prefetch_related(signups).order_by("-prepared_at", "-id")
    return offers.filter(status=status) if status else offers


# --- one participant's status --------------------------------------------------------------------------

_POSITION_SQL = """
SELECT COUNT(*) FROM {table} AS other
WHERE other.programme_id = %(programme)s AND other.status = 'waitlisted' AND other.id <> %(id)s
  AND (%(household)s = '' OR other.household_key <> %(household)s)
  AND ((%(returning_first)s AND other.is_returning)::int > %(priority)s
       OR ((%(returning_first)s AND other.is_returning)::int = %(priority)s
           AND (other.waitlist_number, other.id) < (%(number)s, %(id)s)))
  AND (cardinality(other.preferences) = 0 OR cardinality(%(preferences)s::bigint[]) = 0
       OR other.preferences && %(preferences)s::bigint[])
"""


def waitlist_position(signup: SignUp) -> int | None:
    """1 + the waiting sign-ups ahead of this one that wait for at least one of the same groups (a household
    waits as one: its members share a position)."""
    if signup.status != SignUp.Status.WAITLISTED:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_POSITION_SQL.format(table=connection.ops.quote_name(SignUp._meta.db_table)), {
            "programme": signup.programme_id, "id": signup.pk, "priority": signup.priority,
            "returning_first": signup.programme.returning_priority_enabled,
            "number": signup.waitlist_number, "preferences": list(signup.preferences),
            "household": signup.household_key})
        return cursor.fetchone()[0] + 1


@dataclass
class SignUpStatus:
    """Where a participant stands: the sign-up, and what it means for them right now."""

    signup: SignUp
    position: int | None = None  # on the waitlist
    waiting_for: list[ProgrammeGroup] = field(default_factory=list)
    explanation: str = ""
    open_offer: PlaceOffer | None = None
    offer_awaiting_payment: PlaceOffer | None = None  # accepted, its place held until the payment arrives
    household: list[SignUp] = field(default_factory=list)  # the others signed up together

    @property
    def status(self) -> str:
        return self.signup.status


def signup_status(signup: SignUp) -> SignUpStatus:
    status = SignUpStatus(signup=signup, explanation=rules.explain(signup.status_rule))
    if signup.status == SignUp.Status.WAITLISTED:
        status.position = waitlist_position(signup)
        groups = signup.programme.groups.filter(is_cancelled=False).order_by("position", "id")
        if signup.preferences:
            rank = {group_id: index for index, group_id in enumerate(signup.preferences)}
            status.waiting_for = sorted(groups.filter(pk__in=signup.preferences), key=lambda group: rank[group.pk])
        else:
            status.waiting_for = list(groups)
        if signup.offer_id and signup.offer.awaits_answer(timezone.now()):
            status.open_offer = signup.offer
        elif signup.offer_id and signup.offer.status == PlaceOffer.Status.AWAITING_PAYMENT:
            status.offer_awaiting_payment = signup.offer
    if signup.household_key:
        status.household = list(SignUp.objects.filter(programme_id=signup.programme_id,
                                                       household_key=signup.household_key)
                                 .exclude(pk=signup.pk).select_related("group").order_by("id"))
    return status


def signup_get_by_token(*, token: str) -> SignUpStatus:
    """A participant's status behind the secret link of their sign-up; an unknown token is a 404."""
    signup = (SignUp.objects.select_related("programme", "client", "group", "offer__group")
              .filter(token=token).first() if token else None)
    if signup is None:
        raise ProgrammeNotFoundError(_("No sign-up with this link."))
    return signup_status(signup)


def offer_get_by_token(*, token: str) -> PlaceOffer:
    """A place offer behind the secret link sent to the participant (prepared offers are not visible yet)."""
    offer = (PlaceOffer.objects.select_related("programme", "group").exclude(status=PlaceOffer.Status.PREPARED)
             .filter(token=token).first() if token else None)
    if offer is None:
        raise ProgrammeNotFoundError(_("No offer with this link."))
    return offer


def email_took_a_place_offer(email: str) -> bool:
    """Did this (lower-cased) address accept a place offer, by the link mailed to it? (booking_core.public_limits
    counts it as an address that confirmed something.)"""
    return SignUp.objects.alias(email_lower=Lower("client__email")).filter(
        email_lower=email, offer__status=PlaceOffer.Status.ACCEPTED).exists()


def place_offer_payer(offer: PlaceOffer) -> SignUp:
    """Who pays for a priced place offer (and gets its invoice and emails): its first member, by their client."""
    return SignUp.objects.select_related("client").filter(offer_id=offer.pk).order_by("id").first()


def place_offer_line(offer: PlaceOffer, *, language: str) -> str:
    """What a place offer's payment is for, as Checkout and the invoice name it: the programme and its period."""
    programme = offer.programme
    return (f"{programme.translated('name', language)} "
            f"({programme.period_start:%Y-%m-%d} – {programme.period_end:%Y-%m-%d})")
