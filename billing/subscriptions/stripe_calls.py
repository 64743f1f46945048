"""The calls Stripe Billing's subscriptions need, on the platform's own account (never a connected one)."""

from __future__ import annotations

import datetime as dt

import stripe

from billing.stripe_api import StripeUnavailable, _options


def customer_create(*, email: str, name: str, tenant_id: int, idempotency_key: str) -> str:
    try:
        customer = stripe.Customer.create(email=email or None, name=name or None,
                                          metadata={"tenant_id": str(tenant_id)}, idempotency_key=idempotency_key,
                                          **_options())
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return customer.id


def subscription_checkout_create(*, customer: str, price: str, plan: str, tenant_id: int, success_url: str,
                                 cancel_url: str, trial_end: dt.datetime | None, idempotency_key: str) -> str:
    """A Checkout Session in subscription mode; returns its URL. The subscription carries the tenant's id and
    the plan in its metadata, which its webhooks bring back."""
    metadata = {"tenant_id": str(tenant_id), "plan": plan}
    subscription_data: dict = {"metadata": metadata}
    if trial_end is not None:
        subscription_data["trial_end"] = int(trial_end.timestamp())  # the rest of the trial is kept
    try:
        session = stripe.checkout.Session.create(
            mode="subscription", customer=customer, line_items=[{"price": price, "quantity": 1}],
            client_reference_id=str(tenant_id), metadata=metadata, subscription_data=subscription_data,
            success_url=success_url, cancel_url=cancel_url, idempotency_key=idempotency_key, **_options())
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return session.url


def portal_session_create(*, customer: str, return_url: str) -> str:
    """Stripe's customer portal (payment method, invoices, plan changes, cancelling); returns its URL."""
    try:
        session = stripe.billing_portal.Session.create(customer=customer, return_url=return_url, **_options())
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return session.url
