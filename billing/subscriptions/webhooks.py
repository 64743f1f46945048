"""Stripe Billing's webhook endpoint on the root domain: /stripe/webhooks/billing/ (the platform account's own
events: the organisations' subscriptions and their invoices). Verify, store once, apply; HTTP only."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.subscriptions.events import subscription_event_record

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_billing_webhook(request):
    signature = request.headers.get("Stripe-Signature", "")
    secret = settings.STRIPE_BILLING_WEBHOOK_SECRET
    if not secret or not signature:
        return HttpResponseBadRequest("missing signature")
    try:
        stripe.Webhook.construct_event(request.body, signature, secret)
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("bad signature")
    event = json.loads(request.body)
    if not isinstance(event, dict) or not event.get("id"):
        return HttpResponseBadRequest("not an event")
    stored = subscription_event_record(event=event)
    logger.info("stripe billing event %s %s: %s", event.get("id"), event.get("type"),
                "stored" if stored else "replayed")
    return HttpResponse("ok" if stored else "already received", content_type="text/plain")
