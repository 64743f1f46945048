"""Scheduling reminders and attendance requests (a per-tenant job that runs every minute).

Reminder moments are computed on the tenant's wall clock: "24 hours before" a Monday 10:00 booking is
Sunday 10:00 local time, also on the night the clocks change. A reminder is only created once its moment
has come and only if the booking existed at that moment (no "24 hours to go" mail for a booking made an
hour ahead); its idempotency key carries the booking's start, so a moved booking gets new ones and a
job that runs twice creates nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from allot.jobs.due import due_work_note
from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_revive
from booking_core.messages import booking_notifications as notifications
from booking_core.models import Booking

JOB = "bookings.reminders"
# How far back a missed moment still counts (the scheduler was down for a while).
CATCH_UP = dt.timedelta(hours=6)
# A moment on the wall clock is at most this far from the same offset counted in absolute time (DST shifts).
WALL_CLOCK_SLACK = dt.timedelta(hours=3)
# How many bookings the next-moment search reads per offset before it settles for an early estimate.
NEXT_DUE_SCAN = 500


def moment_before(starts_at: dt.datetime, minutes: int, zone) -> dt.datetime:
    """`minutes` before `starts_at`, counted on the local wall clock of `zone`."""
    local = starts_at.astimezone(zone).replace(tzinfo=None) - dt.timedelta(minutes=minutes)
    moment = local.replace(tzinfo=zone)
    if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        # The wall-clock time does not exist (the hour skipped when clocks go forward): read it with the
        # offset after the change, which keeps the reminder before the booking rather than at its start.
        moment = local.replace(tzinfo=zone, fold=1)
    return moment.astimezone(dt.UTC)


def _plans(tenant) -> list[tuple[str, int]]:
    plans = [("reminder", minutes) for minutes in sorted(set(tenant.reminder_offsets_minutes or []))]
    if tenant.attendance_request_enabled:
        plans.append(("attendance", tenant.attendance_request_offset_minutes))
    return plans


def reminders_next_due(now: dt.datetime) -> dt.datetime | None:
    """The first reminder or attendance-request moment after `now` in the current tenant, or None (the due-work
    index's recomputation: one indexed range read per offset)."""
    tenant = connection.tenant
    earliest = None
    for kind, minutes in _plans(tenant):
        offset = dt.timedelta(minutes=minutes)
        candidates = Booking.objects.filter(
            status__in=Booking.LIVE_STATUSES, starts_at__gt=now + offset - WALL_CLOCK_SLACK,
            starts_at__gte=F("created_at") + offset - WALL_CLOCK_SLACK,
        )
        if earliest is not None:
            candidates = candidates.filter(starts_at__lte=earliest + offset + WALL_CLOCK_SLACK)
        if kind == "attendance":
            candidates = candidates.filter(client_confirmed_at__isnull=True)
        scanned = 0
        for starts_at, created_at in candidates.order_by("starts_at").values_list("starts_at", "created_at")[
                :NEXT_DUE_SCAN]:
            scanned += 1
            moment = moment_before(starts_at, minutes, tenant.zone)
            if moment > now and moment >= created_at:
                if earliest is None or moment < earliest:
                    earliest = moment
                break
        else:
            if scanned == NEXT_DUE_SCAN:  # a long run of bookings made too late for their moment: look again later
                estimate = max(moment_before(starts_at, minutes, tenant.zone), now + dt.timedelta(minutes=1))
                earliest = estimate if earliest is None else min(earliest, estimate)
    return earliest


def reminders_note_due(booking: Booking, now: dt.datetime) -> None:
    """A booking was made or moved: lower the tenant's reminder due time to its first moment still to come
    (in the caller's transaction)."""
    plans = _plans(connection.tenant)
    not_before = max(booking.created_at or now, now - CATCH_UP)
    moments = [moment for moment in (moment_before(booking.starts_at, minutes, connection.tenant.zone)
                                     for _kind, minutes in plans) if moment >= not_before]
    if moments:
        due_work_note(JOB, min(moments))


def reminders_dispatch(now: dt.datetime | None = None) -> int:
    """Write the reminders and attendance requests whose moment has come; returns how many were new."""
    tenant = connection.tenant
    now = now or timezone.now()
    plans = _plans(tenant)
    if not plans:
        return 0
    # A wall-clock day can be 25 hours long: look a day further than the longest offset.
    horizon = now + dt.timedelta(minutes=max(minutes for _kind, minutes in plans)) + dt.timedelta(days=1)
    due = {}
    # A booking still awaiting payment is not reminded: it may never be paid (the next run after payment is).
    bookings = Booking.objects.filter(
        status__in=Booking.LIVE_STATUSES, starts_at__gt=now, starts_at__lte=horizon
    ).exclude(status=Booking.Status.PENDING_PAYMENT).select_related("client")
    for booking in bookings:
        for kind, minutes in plans:
            moment = moment_before(booking.starts_at, minutes, tenant.zone)
            if not (now - CATCH_UP <= moment <= now and moment >= booking.created_at):
                continue
            if kind == "reminder":
                due[notifications.reminder_key(booking, minutes)] = (booking, kind, minutes, moment)
            elif booking.client_confirmed_at is None:
                due[notifications.attendance_request_key(booking)] = (booking, kind, minutes, moment)
    existing = dict(
        OutboxMessage.objects.filter(tenant_schema=tenant.schema_name, idempotency_key__in=list(due))
        .values_list("idempotency_key", "status")
    )
    new = [plan for key, plan in due.items() if key not in existing]
    # A booking moved away and back again: its reminder for this time was cancelled by the first move and is
    # wanted again (same booking, same time, same offset), so the cancelled row comes back to life.
    revived = [key for key, status in existing.items() if status == OutboxMessage.Status.CANCELLED]
    with transaction.atomic():
        for booking, kind, minutes, moment in new:
            if kind == "reminder":
                notifications.schedule_reminder(booking, offset_minutes=minutes, send_at=moment)
            else:
                notifications.schedule_attendance_request(booking, send_at=moment)
        for key in revived:
            outbox_revive(tenant_schema=tenant.schema_name, idempotency_key=key, send_at=due[key][3])
    return len(new) + len(revived)
