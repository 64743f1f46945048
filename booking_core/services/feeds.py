"""Giving out and resetting the secret addresses of calendar feeds."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import CalendarFeed, Client, StaffMember
from booking_core.models.feeds import new_feed_token
from booking_core.services.audit import audit_record


def _owner_filter(kind: str, *, staff: StaffMember | None, client: Client | None) -> dict:
    if kind == CalendarFeed.Kind.STAFF:
        return {"kind": kind, "staff": staff}
    if kind == CalendarFeed.Kind.CLIENT:
        return {"kind": kind, "client": client}
    return {"kind": CalendarFeed.Kind.ORGANISATION}


def feed_issue(*, actor: Actor, kind: str, staff: StaffMember | None = None, client: Client | None = None,
               reset: bool = False) -> CalendarFeed:
    """The feed of the organisation, a staff member or a client, created on first use. With `reset`, an
    existing feed gets a new token and its old address stops working at once."""
    lookup = _owner_filter(kind, staff=staff, client=client)
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(**lookup).first()
        if feed is None:
            try:
                with transaction.atomic():
                    feed = CalendarFeed.objects.create(**lookup)
            except IntegrityError:
                # Two first requests raced: the other one created it.
                return CalendarFeed.objects.get(**lookup)
            audit_record(actor=actor, action="calendar_feed.created", obj=feed, after={"kind": feed.kind})
            return feed
        if reset:
            feed.token = new_feed_token()
            feed.token_reset_at = timezone.now()
            feed.save(update_fields=["token", "token_reset_at"])
            audit_record(actor=actor, action="calendar_feed.reset", obj=feed, after={"kind": feed.kind})
        return feed
