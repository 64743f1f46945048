"""Stripe Billing's webhook endpoint on the root domain: /stripe/webhooks/billing/ (the platform account's own
events: the organisations' subscriptions and their invoices). Verify, store once, apply; HTTP only."""

from __future__ import annotations

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.subscriptions.events import subscription_event_record
from billing.webhooks import stripe_event_receive


@csrf_exempt
@require_POST
def stripe_billing_webhook(request):
    return stripe_event_receive(request, secret=settings.STRIPE_BILLING_WEBHOOK_SECRET,
                                record=subscription_event_record, kind="billing")
