"""Stripe's webhook endpoints on the root domain (HTTP only: verify, store, answer).

One endpoint per purpose; this one receives the events of paid bookings and connected accounts (a Connect
webhook in Stripe's dashboard). A missing or wrong signature is a 400 and changes nothing; a verified event is
stored once by its id and handled by a worker (billing.services.stripe_events).
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.services.stripe_events import stripe_event_record

logger = logging.getLogger(__name__)


def stripe_event_receive(request, *, secret: str, record, kind: str) -> HttpResponse:
    """A Stripe webhook: the signature checked with `secret` (missing or bad: 400 and nothing stored), then the
    event stored once by `record(event=...)`; a replay is answered 200 "already received" and does nothing."""
    signature = request.headers.get("Stripe-Signature", "")
    if not secret or not signature:
        return HttpResponseBadRequest("missing signature")
    try:
        stripe.Webhook.construct_event(request.body, signature, secret)
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("bad signature")
    event = json.loads(request.body)  # verified: the plain dict, as Stripe sent it
    if not isinstance(event, dict) or not event.get("id"):
        return HttpResponseBadRequest("not an event")
    stored = record(event=event)
    logger.info("stripe %s event %s %s: %s", kind, event.get("id"), event.get("type"),
                "stored" if stored else "replayed")
    return HttpResponse("ok" if stored else "already received", content_type="text/plain")


@csrf_exempt
@require_POST
def stripe_payments_webhook(request):
    return stripe_event_receive(request, secret=settings.STRIPE_WEBHOOK_SECRET, record=stripe_event_record,
                                kind="payments")
