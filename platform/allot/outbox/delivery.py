"""Delivering one outbox row: render it, send it over SMTP, mark it, in that order.

A row is locked (skip_locked) for its whole delivery, so two deliveries of the same row never overlap;
one that finds the row sent, cancelled or dead does nothing. The only window for a duplicate email is a
worker dying after the mail server accepted the message and before the row was marked sent. The stable
Message-ID lets mail clients fold such a duplicate away.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import threading
from collections.abc import Callable

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.utils import timezone, translation

from allot.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = float(os.environ.get("ALLOT_OUTBOX_RETRY_BASE_SECONDS") or 30)
RETRY_MAX_SECONDS = 3600

Renderer = Callable[[OutboxMessage], EmailMultiAlternatives]
_renderers: dict[str, Renderer] = {}
_local = threading.local()


class Channel:
    """A way out other than email (a queue of its own): `send(row)` delivers the row or raises (retried), or
    raises NoLongerRelevant; `retry_delay(attempts)` spaces its retries. Registered by the app that owns it,
    so this module stays free of the domain."""

    def __init__(self, send: Callable[[OutboxMessage], None], retry_delay: Callable[[int], dt.timedelta]):
        self.send = send
        self.retry_delay = retry_delay


_channels: dict[str, Channel] = {}


def channel_register(queue: str, channel: Channel) -> None:
    _channels[queue] = channel


class NoLongerRelevant(Exception):
    """Raised by a renderer when the message should not go out any more (e.g. the booking was cancelled)."""


def renderer(event_type: str) -> Callable[[Renderer], Renderer]:
    """Register the function that turns rows of `event_type` into an email (called in the tenant's schema)."""

    def register(function: Renderer) -> Renderer:
        _renderers[event_type] = function
        return function

    return register


Action = Callable[[OutboxMessage], None]
_actions: dict[str, Action] = {}


def action(event_type: str) -> Callable[[Action], Action]:
    """Register the function that carries out rows of `event_type` that are not emails (a call to a payment
    provider, handling a received webhook event). It runs in the row's tenant schema inside the row's lock, so
    two deliveries never overlap; it must be idempotent, and raising retries it with the outbox's backoff."""

    def register(function: Action) -> Action:
        _actions[event_type] = function
        return function

    return register


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ... capped at an hour."""
    return dt.timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _mail_connection():
    """One SMTP connection per worker thread, kept open between messages."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _local.connection = connection
    return connection


def close_mail_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # a broken connection is dropped either way
            logger.debug("closing a broken SMTP connection failed", exc_info=True)


def _send(email: EmailMultiAlternatives) -> None:
    for attempt in (1, 2):
        try:
            if _mail_connection().send_messages([email]) != 1:
                raise smtplib.SMTPException("the mail backend did not accept the message")
            return
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            # The kept-open connection went stale (server idle timeout): reconnect once at once.
            close_mail_connection()
            if attempt == 2:
                raise


def _fail(row: OutboxMessage, error: Exception, now: dt.datetime) -> str:
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= row.max_attempts:
        row.status = OutboxMessage.Status.DEAD
        logger.error("outbox message %s is dead after %s attempts: %s", row.pk, row.attempts, row.last_error)
    else:
        row.status = OutboxMessage.Status.FAILED
        delay = _channels[row.queue].retry_delay if row.queue in _channels else retry_delay
        row.next_attempt_at = now + delay(row.attempts)
    row.lease_expires_at = None
    row.save(update_fields=["status", "last_error", "next_attempt_at", "lease_expires_at", "attempts", "updated_at"])
    return row.status


def deliver(message_id: int) -> str:
    """Deliver one row if it is still to be delivered; returns what happened (for logs and tests)."""
    now = timezone.now()
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if row is None:
            return "busy"  # another worker is delivering it right now (or it was deleted)
        if row.tenant_schema != connection.schema_name:
            # Rendering reads the current schema's rows: a message handed to the wrong schema must not
            # describe another tenant's booking. The relay hands it out again under its own schema.
            logger.error("outbox message %s of %s reached a worker in %s; not delivered", row.pk, row.tenant_schema,
                         connection.schema_name)
            return "wrong tenant"
        if row.status in (OutboxMessage.Status.SENT, OutboxMessage.Status.DEAD, OutboxMessage.Status.CANCELLED):
            return "already " + row.status
        if row.status != OutboxMessage.Status.INFLIGHT and row.next_attempt_at > now:
            return "not due"
        row.attempts += 1
        if row.queue in _channels:
            return _deliver_through_channel(row, _channels[row.queue], now)
        if row.event_type in _actions:
            return _carry_out(row, now)
        try:
            with translation.override(row.language):
                email = _renderers[row.event_type](row)
        except NoLongerRelevant:
            row.status = OutboxMessage.Status.CANCELLED
            row.save(update_fields=["status", "attempts", "updated_at"])
            return "cancelled"
        except Exception as error:  # a rendering bug must not lose the message: retry, then dead
            logger.exception("rendering outbox message %s failed", row.pk)
            return _fail(row, error, now)
        email.extra_headers["Message-ID"] = row.message_id
        try:
            _send(email)
        except Exception as error:
            close_mail_connection()
            return _fail(row, error, now)
        row.status = OutboxMessage.Status.SENT
        row.sent_at = timezone.now()
        row.lease_expires_at = None
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "lease_expires_at", "last_error", "attempts", "updated_at"])
    return "sent"


def _mark_sent(row: OutboxMessage) -> None:
    row.status = OutboxMessage.Status.SENT
    row.sent_at = timezone.now()
    row.lease_expires_at = None
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "lease_expires_at", "last_error", "attempts", "updated_at"])


def _deliver_through_channel(row: OutboxMessage, channel: Channel, now: dt.datetime) -> str:
    """The same row states as an email: sent, retried (failed), dead after max_attempts, or cancelled. What the
    channel wrote before it failed (a delivery log) is kept."""
    try:
        channel.send(row)
    except NoLongerRelevant:
        row.status = OutboxMessage.Status.CANCELLED
        row.lease_expires_at = None
        row.save(update_fields=["status", "attempts", "lease_expires_at", "updated_at"])
        return "cancelled"
    except Exception as error:
        return _fail(row, error, now)
    _mark_sent(row)
    return "sent"


def _carry_out(row: OutboxMessage, now: dt.datetime) -> str:
    """Run a row's registered action (inside deliver's transaction and row lock) and mark the row done."""
    try:
        with transaction.atomic(), translation.override(row.language):
            _actions[row.event_type](row)
    except NoLongerRelevant:
        row.status = OutboxMessage.Status.CANCELLED
        row.save(update_fields=["status", "attempts", "updated_at"])
        return "cancelled"
    except Exception as error:  # the action's writes are rolled back with its savepoint; retried later
        logger.exception("outbox action %s (%s) failed", row.pk, row.event_type)
        return _fail(row, error, now)
    _mark_sent(row)
    return "done"
