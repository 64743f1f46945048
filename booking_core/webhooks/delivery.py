"""Delivering one webhook: sign it (Standard Webhooks), POST it to the checked address with a timeout, log
the attempt, and count the endpoint's failures. Runs inside the outbox's delivery of the row (its tenant's
schema, the row locked), registered as the outbox's channel for the webhook queue."""

from __future__ import annotations

import json
import time

import urllib3
from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from allot.outbox.delivery import NoLongerRelevant
from allot.outbox.models import OutboxMessage
from booking_core.webhooks.addresses import AddressRefused, resolve_checked, url_check
from booking_core.webhooks.events import TEST_EVENT
from booking_core.webhooks.models import WebhookEndpoint
from booking_core.webhooks.services import webhook_attempt_record

USER_AGENT = "Allot-Webhooks/1"
EXCERPT = 1000


class DeliveryFailed(Exception):
    """The endpoint did not take the event (no answer in time, refused, or not a 2xx): tried again later."""


def body_of(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def signature_header(endpoint: WebhookEndpoint, *, event_id: str, timestamp, body: bytes) -> str:
    """`v1,<sig>` with the current secret, and with the previous one during a rotation's overlap."""
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and \
            endpoint.previous_secret_expires_at > timestamp:
        secrets.append(endpoint.previous_secret)
    return " ".join(Webhook(secret).sign(event_id, timestamp, body) for secret in secrets)


def _post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    host, port = url_check(url)
    address = resolve_checked(host, port)[0]
    parts = urllib3.util.parse_url(url)
    timeout = urllib3.Timeout(total=settings.ALLOT_WEBHOOK_TIMEOUT_SECONDS)
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    # Connect to the address that was checked (not a second DNS answer); TLS still checks the name.
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, port, server_hostname=host, assert_hostname=host,
                                           timeout=timeout, retries=False)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen("POST", parts.request_uri, body=body, headers={**headers, "Host": host_header},
                                redirect=False, preload_content=False, assert_same_host=False)
        try:
            excerpt = response.read(EXCERPT)
        finally:
            response.release_conn()
        return response.status, excerpt
    finally:
        pool.close()


def webhook_send(row: OutboxMessage) -> None:
    event = row.payload["event"]
    endpoint = WebhookEndpoint.objects.filter(pk=row.payload["endpoint"]).first()
    if endpoint is None:
        raise NoLongerRelevant()
    if not endpoint.is_enabled and event["type"] != TEST_EVENT:
        # Switched off (by the owner or after too many failures): what was waiting is dropped, and can be
        # delivered again from the endpoint's log once it is back on.
        raise NoLongerRelevant()
    body = body_of(event)
    now = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event["id"],
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature_header(endpoint, event_id=event["id"], timestamp=now, body=body),
    }
    started = time.monotonic()
    status, excerpt, error = None, b"", ""
    try:
        status, excerpt = _post(endpoint.url, body, headers)
    except AddressRefused as refused:
        error = str(refused.message)
    except urllib3.exceptions.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    succeeded = status is not None and 200 <= status < 300
    webhook_attempt_record(
        endpoint=endpoint, event=event, attempt=row.attempts, body=body.decode(errors="replace"), status=status,
        excerpt=excerpt.decode(errors="replace")[:EXCERPT], error=error, succeeded=succeeded,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if not succeeded:
        raise DeliveryFailed(error or f"HTTP {status}")
