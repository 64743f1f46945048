"""When the programmes' job ("programmes.tick") next has something to do in a tenant: the due-work index.

The job expires sent place offers at their deadline and processes sign-up windows once they close; the services
that set those times write them here in their own transaction, and the job recomputes after each run.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q

from allot.jobs.due import due_work_note
from booking_core.programmes.models import PlaceOffer, Programme

JOB = "programmes.tick"


def programmes_note_due(due_at: dt.datetime | None) -> None:
    """The current tenant's programmes job has work at `due_at` (in the caller's transaction)."""
    due_work_note(JOB, due_at)


def programme_window_pending(programme: Programme) -> bool:
    """Whether the job will process this programme's window when it closes (the filter the job uses)."""
    return (programme.is_published and programme.window_closed_at is None
            and (programme.allocation_mode == Programme.AllocationMode.IMMEDIATE
                 or (programme.allocated_at is None and programme.batch_runs_at_close)))


def windows_to_close():
    return (Programme.objects.filter(is_published=True, window_closed_at__isnull=True)
            .filter(Q(allocation_mode=Programme.AllocationMode.IMMEDIATE)
                    | Q(allocated_at__isnull=True, batch_runs_at_close=True)))


def programmes_next_due(now: dt.datetime) -> dt.datetime | None:
    """The earliest place-offer deadline or unprocessed window close in the current tenant (past ones included:
    a window whose processing failed stays due)."""
    times = [
        PlaceOffer.objects.filter(status=PlaceOffer.Status.SENT).aggregate(at=Min("expires_at"))["at"],
        windows_to_close().aggregate(at=Min("signup_closes_at"))["at"],
    ]
    times = [moment for moment in times if moment is not None]
    return min(times) if times else None
