"""Billing's endpoints on the root domain (included by allot.urls_public by dotted string)."""

from django.urls import path

from billing import webhooks
from billing.subscriptions import webhooks as subscription_webhooks

urlpatterns = [
    path("payments/", webhooks.stripe_payments_webhook, name="stripe-webhook-payments"),
    # The organisations' subscriptions (issue 15 item 4).
    path("billing/", subscription_webhooks.stripe_billing_webhook, name="stripe-webhook-billing"),
]
