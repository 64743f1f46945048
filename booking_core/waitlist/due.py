"""When the waitlist's job ("waitlist.offers_expire") next has something to do in a tenant: the due-work index.

The job expires sent offers at their deadline, withdraws prepared offers when their place starts and closes
waiting entries once their place is in the past; the services that create those write the time here, in their
own transaction, and the job recomputes it from the tenant's data after each run.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Min, Q

from allot.jobs.due import due_work_note
from booking_core.models import Offer, WaitlistEntry

JOB = "waitlist.offers_expire"


def entry_over_at(*, target_kind: str, session_starts_at: dt.datetime | None, date_to: dt.date | None,
                  zone) -> dt.datetime | None:
    """When a waiting entry's place is in the past: its session starts, or the day after its last date begins."""
    if target_kind == WaitlistEntry.Target.SESSION:
        return session_starts_at
    if date_to is None:
        return None
    return dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)


def waitlist_note_due(due_at: dt.datetime | None) -> None:
    """The current tenant's waitlist job has work at `due_at` (in the caller's transaction)."""
    due_work_note(JOB, due_at)


def waitlist_next_due(now: dt.datetime) -> dt.datetime | None:
    """The earliest offer deadline, prepared offer's start or waiting entry's end in the current tenant."""
    zone = connection.tenant.zone
    offers = Offer.objects.aggregate(
        expires=Min("expires_at", filter=Q(status=Offer.Status.SENT)),
        starts=Min("starts_at", filter=Q(status=Offer.Status.PREPARED)),
    )
    waiting = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).aggregate(
        session_starts=Min("session__starts_at", filter=Q(target_kind=WaitlistEntry.Target.SESSION)),
        last_date=Min("date_to", filter=~Q(target_kind=WaitlistEntry.Target.SESSION)),
    )
    times = [offers["expires"], offers["starts"], waiting["session_starts"],
             entry_over_at(target_kind="range", session_starts_at=None, date_to=waiting["last_date"], zone=zone)]
    times = [moment for moment in times if moment is not None]
    return min(times) if times else None
