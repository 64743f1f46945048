"""Connecting a staff member's calendar, and syncing it both ways.

Pushing: every minute the tenant job (`calendar_sync_due`) compares, in the database, the staff member's live
bookings with what was last written (CalendarEventLink: UID and a fingerprint of the event) and writes only the
differences: new or moved bookings are put under their UID (create or replace), cancelled ones and ones moved to
another staff member are deleted. A booking change is thus its own record of "to push": nothing extra is written
in the booking's transaction, and a push that fails (or a worker that dies) is simply found again on the next
run. When nothing changed and no pull is due, a connection costs two queries and no network.

Pulling: every PULL_EVERY (each run; and at once after connecting or "sync now"), the busy times between yesterday and
PULL_DAYS ahead replace the staff member's CalendarBusyBlock rows, which availability treats like time off.

Failures: a connection that fails is marked failing with the error (shown in the back office) and retried after
a backoff that doubles from a minute up to six hours. Bookings never wait for a calendar: nothing here runs in a
booking's request or transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from allot.jobs.due import due_work_note
from booking_core.acting import Actor
from booking_core.calendar_sync.providers import ConnectionDetails, ProviderError, provider_for
from booking_core.calendar_sync.providers.base import CalendarEvent, booking_uid
from booking_core.calendar_sync.secrets import SecretUnreadable, secret_decrypt, secret_encrypt
from booking_core.models import Booking, CalendarBusyBlock, CalendarConnection, CalendarEventLink, StaffMember
from booking_core.services.audit import audit_record

# The per-tenant job's name (registered in BookingCoreConfig.ready); connecting a calendar makes it due at once.
SYNC_JOB = "calendar.sync"

logger = logging.getLogger(__name__)

# Busy times are read on every run of the minute job (one time-range REPORT per connected calendar): an event
# put in the calendar blocks the booking site after the next run.
PULL_EVERY = dt.timedelta(minutes=1)
PULL_DAYS = 180
# Bookings that ended longer ago than this are left as they are in the calendar (not written, not deleted).
PUSH_PAST = dt.timedelta(days=1)
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)


def backoff_after(failures: int) -> dt.timedelta:
    """How long a connection waits after its `failures`-th failure in a row: 1, 2, 4... minutes, at most 6 h."""
    return min(BACKOFF_FIRST * (2 ** min(max(failures - 1, 0), 20)), BACKOFF_MAX)


def _details(connection: CalendarConnection) -> ConnectionDetails:
    return ConnectionDetails(provider=connection.provider, url=connection.url, username=connection.username,
                             secret=secret_decrypt(connection.secret_encrypted),
                             calendar_url=connection.calendar_url)


# --- connecting (the back office) ---------------------------------------------------------------------------


def calendar_connect(*, actor: Actor, staff: StaffMember, url: str, username: str, password: str,
                     provider: str = CalendarConnection.Provider.CALDAV) -> CalendarConnection:
    """Check the calendar with these credentials (raises ProviderError, saving nothing, if it cannot be used),
    then keep them, the password encrypted. Connecting again replaces the previous connection."""
    details = ConnectionDetails(provider=provider, url=url, username=username, secret=password)
    calendar_url = provider_for(details).connect()
    with transaction.atomic():
        existing = CalendarConnection.objects.select_for_update().filter(staff=staff).first()
        if existing is not None:
            if existing.calendar_url != calendar_url:
                # Another calendar: what was written into the old one is no longer ours to update.
                existing.event_links.all().delete()
            connection = existing
        else:
            connection = CalendarConnection(staff=staff)
        connection.provider = provider
        connection.url = url
        connection.username = username
        connection.secret_encrypted = secret_encrypt(password)
        connection.calendar_url = calendar_url
        connection.status = CalendarConnection.Status.PENDING
        connection.failures = 0
        connection.last_error = ""
        connection.last_error_at = None
        connection.next_attempt_at = None
        connection.last_pulled_at = None
        connection.save()
        audit_record(actor=actor, action="calendar_connection.connected", obj=connection,
                     after={"staff": staff.pk, "provider": provider, "url": url, "username": username})
        due_work_note(SYNC_JOB, timezone.now())
    return connection


def calendar_disconnect(*, actor: Actor, staff: StaffMember) -> None:
    """Forget the connection and the busy times read from it. Events already written stay in the calendar."""
    with transaction.atomic():
        connection = CalendarConnection.objects.select_for_update().filter(staff=staff).first()
        if connection is None:
            return
        audit_record(actor=actor, action="calendar_connection.disconnected", obj=connection,
                     before={"staff": staff.pk, "url": connection.url, "username": connection.username})
        connection.delete()
        CalendarBusyBlock.objects.filter(staff=staff).delete()


def calendar_sync_request(*, staff: StaffMember) -> bool:
    """"Sync now": the next run of the minute job pushes and pulls this connection, backoff or not."""
    with transaction.atomic():
        requested = CalendarConnection.objects.filter(staff=staff).update(next_attempt_at=None, last_pulled_at=None)
        if requested:
            due_work_note(SYNC_JOB, timezone.now())
    return bool(requested)


# --- syncing (the minute job) -------------------------------------------------------------------------------


def _event_of(booking: Booking) -> CalendarEvent:
    service = booking.service.translated("name")
    return CalendarEvent(
        uid=booking_uid(db_connection.schema_name, booking.pk),
        starts_at=booking.starts_at, ends_at=booking.ends_at,
        title=f"{service} – {booking.client.name}",
        description=f"Allot booking #{booking.pk} ({booking.get_status_display()})",
    )


def _fingerprint(event: CalendarEvent) -> str:
    text = "\n".join([event.uid, event.starts_at.astimezone(dt.UTC).isoformat(),
                      event.ends_at.astimezone(dt.UTC).isoformat(), event.title, event.description])
    return hashlib.sha256(text.encode()).hexdigest()


def _push_plan(connection: CalendarConnection, now: dt.datetime):
    """(events to put with their booking ids and fingerprints, links to delete remotely, links only to forget)."""
    bookings = (Booking.objects.filter(staff_id=connection.staff_id, status__in=Booking.LIVE_STATUSES,
                                       ends_at__gte=now - PUSH_PAST)
                .select_related("service", "client"))
    links = {link.booking_id: link for link in connection.event_links.all()}
    to_put = []
    for booking in bookings:
        event = _event_of(booking)
        fingerprint = _fingerprint(event)
        link = links.pop(booking.pk, None)
        if link is None or link.fingerprint != fingerprint:
            to_put.append((booking.pk, event, fingerprint))
    to_delete, to_forget = [], []
    if links:
        # Linked bookings that are no longer live bookings of this staff member in the window: cancelled, moved
        # to someone else or deleted (delete the event), or past or attended (keep the event, drop the link).
        still = {row["id"]: row
                 for row in Booking.objects.filter(pk__in=list(links)).values("id", "status", "staff_id")}
        for booking_id, link in links.items():
            row = still.get(booking_id)
            gone = (row is None or row["status"] == Booking.Status.CANCELLED
                    or row["staff_id"] != connection.staff_id)
            (to_delete if gone else to_forget).append(link)
    return to_put, to_delete, to_forget


def connection_sync(connection: CalendarConnection, *, now: dt.datetime | None = None,
                    pull: bool | None = None) -> int:
    """Push what changed and, when due (or `pull`), read the busy times; returns how many events were written,
    deleted or read. A failure is recorded on the connection (never raised)."""
    now = now or timezone.now()
    if pull is None:
        pull = connection.last_pulled_at is None or connection.last_pulled_at <= now - PULL_EVERY
    to_put, to_delete, to_forget = _push_plan(connection, now)
    if to_forget:
        CalendarEventLink.objects.filter(pk__in=[link.pk for link in to_forget]).delete()
    if not (to_put or to_delete or pull):
        return 0
    if not _lock(connection, True):
        return 0  # another run (a slow previous minute, a retry) is syncing this calendar right now
    try:
        return _sync_locked(connection, to_put, to_delete, pull, now)
    finally:
        _lock(connection, False)


def _lock(connection: CalendarConnection, take: bool) -> bool:
    """Take (without waiting) or give back the session-level advisory lock of this connection: two runs never
    sync one calendar at once (a run can outlast the minute when the server is slow)."""
    function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtext(%s))",
                       [f"allot.calendar_sync:{db_connection.schema_name}:{connection.pk}"])
        return bool(cursor.fetchone()[0])


def _sync_locked(connection: CalendarConnection, to_put, to_delete, pull: bool, now: dt.datetime) -> int:
    done = 0
    try:
        provider = provider_for(_details(connection))
        for link in to_delete:
            provider.delete_event(link.uid)
            link.delete()
            done += 1
        for booking_id, event, fingerprint in to_put:
            provider.put_event(event)
            CalendarEventLink.objects.update_or_create(
                connection=connection, booking_id=booking_id, defaults={"uid": event.uid, "fingerprint": fingerprint})
            done += 1
        if pull:
            busy = provider.busy_between(now - dt.timedelta(days=1), now + dt.timedelta(days=PULL_DAYS),
                                         zone=db_connection.tenant.zone)
            _busy_blocks_replace(connection.staff_id, busy)
            done += len(busy)
    except (ProviderError, SecretUnreadable) as error:
        _record_failure(connection, str(error), now)
        return done
    except Exception as error:  # a calendar we cannot read must not stop the other calendars' sync
        logger.exception("calendar sync of staff %s failed unexpectedly", connection.staff_id)
        _record_failure(connection, f"Unexpected error while syncing: {type(error).__name__}", now)
        return done
    fields = {"status": CalendarConnection.Status.OK, "last_synced_at": now, "failures": 0, "last_error": "",
              "next_attempt_at": None}
    if pull:
        fields["last_pulled_at"] = now
    CalendarConnection.objects.filter(pk=connection.pk).update(**fields)
    return done


def _busy_blocks_replace(staff_id: int, busy: list[tuple[dt.datetime, dt.datetime]]) -> None:
    """Make the staff member's busy blocks these periods, touching only those that changed (each change retires
    the booking site's cached pages through the model signals, so an unchanged calendar retires none)."""
    wanted = set(busy)
    with transaction.atomic():
        existing = {(block.starts_at, block.ends_at): block.pk
                    for block in CalendarBusyBlock.objects.select_for_update().filter(staff_id=staff_id)}
        gone = [pk for period, pk in existing.items() if period not in wanted]
        if gone:
            CalendarBusyBlock.objects.filter(pk__in=gone).delete()
        for start, end in sorted(wanted - set(existing)):
            CalendarBusyBlock.objects.create(staff_id=staff_id, starts_at=start, ends_at=end)


def _record_failure(connection: CalendarConnection, message: str, now: dt.datetime) -> None:
    failures = connection.failures + 1
    logger.warning("calendar sync of staff %s failed (%s in a row): %s", connection.staff_id, failures, message)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        status=CalendarConnection.Status.FAILING, failures=failures, last_error=message[:1000], last_error_at=now,
        next_attempt_at=now + backoff_after(failures))


def calendar_sync_next_due(now: dt.datetime) -> dt.datetime | None:
    """While a calendar is connected the job is due every minute (busy times are read each run; a booking change
    is pushed by the next run); a calendar waiting out a backoff is due when it ends; none connected: never."""
    waits = CalendarConnection.objects.aggregate(
        connected=Count("id"), ready=Count("id", filter=Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)),
        next_attempt=Min("next_attempt_at"))
    if not waits["connected"]:
        return None
    return now if waits["ready"] else waits["next_attempt"]


def calendar_sync_due(now: dt.datetime | None = None) -> int:
    """The per-tenant minute job: sync every connection not waiting out a backoff. One query when the tenant has
    no connected calendar."""
    now = now or timezone.now()
    connections = list(CalendarConnection.objects.filter(Q(next_attempt_at__isnull=True)
                                                         | Q(next_attempt_at__lte=now)))
    return sum(connection_sync(connection, now=now) for connection in connections)
