"""Hooking webhook deliveries into the outbox: rows of the webhook queue are sent by webhook_send and retried on
the webhook schedule."""

from __future__ import annotations

from allot.outbox.delivery import Channel, channel_register
from allot.outbox.models import OutboxMessage


def webhook_channel_register() -> None:
    from booking_core.webhooks.delivery import webhook_send
    from booking_core.webhooks.schedule import retry_wait

    channel_register(OutboxMessage.Queue.WEBHOOK, Channel(send=webhook_send, retry_delay=retry_wait))
