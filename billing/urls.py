"""Billing's endpoints on the root domain (included by allot.urls_public by dotted string)."""

from django.urls import path

from billing import webhooks

urlpatterns = [
    path("payments/", webhooks.stripe_payments_webhook, name="stripe-webhook-payments"),
]
