"""Every call billing makes to Stripe, through the `stripe` library, in one place.

Configured from settings on each call (STRIPE_SECRET_KEY, STRIPE_API_BASE), so tests can point it at a local
server. Calls made for a tenant go to its connected account (`stripe_account=`); each write carries an
idempotency key, so a retried call never charges, creates or refunds twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import stripe
from django.conf import settings

# Stripe's documented lower bound for a Checkout Session's `expires_at`: 30 minutes after creation. Our hold is
# usually shorter (ALLOT_PAYMENT_HOLD_MINUTES, 15): a payment may complete after the hold expired, and then
# books the place if it is still free or is refunded (billing.services.payments).
CHECKOUT_MINIMUM_LIFETIME = dt.timedelta(minutes=30)


class StripeUnavailable(Exception):
    """Stripe refused or could not be reached; the message is for logs, not for clients."""


def _options() -> dict:
    if settings.STRIPE_API_BASE:
        stripe.api_base = settings.STRIPE_API_BASE
    return {"api_key": settings.STRIPE_SECRET_KEY or None}


def payments_configured() -> bool:
    """The platform can take payments at all (a Stripe secret key is set)."""
    return bool(settings.STRIPE_SECRET_KEY)


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def checkout_session_create(*, account: str, amount: int, currency: str, quantity: int, product_name: str,
                            success_url: str, cancel_url: str, client_reference_id: str, customer_email: str,
                            locale: str, metadata: dict, expires_at: dt.datetime,
                            idempotency_key: str) -> CheckoutSession:
    """A Checkout Session in payment mode on the connected account; `amount` is per unit, in Stripe's units."""
    try:
        session = stripe.checkout.Session.create(
            mode="payment",
            line_items=[{
                "quantity": quantity,
                "price_data": {"currency": currency.lower(), "unit_amount": amount,
                               "product_data": {"name": product_name}},
            }],
            success_url=success_url, cancel_url=cancel_url, client_reference_id=client_reference_id,
            customer_email=customer_email or None, locale=locale, metadata=metadata,
            payment_intent_data={"metadata": metadata},
            expires_at=int(expires_at.timestamp()),
            stripe_account=account, idempotency_key=idempotency_key, **_options(),
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return CheckoutSession(id=session.id, url=session.url)


def checkout_session_retrieve(*, account: str, session_id: str) -> dict:
    try:
        return stripe.checkout.Session.retrieve(session_id, stripe_account=account, **_options()).to_dict()
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error


def checkout_session_expire(*, account: str, session_id: str) -> bool:
    """Close an open Checkout Session so it can no longer be paid; False if it was no longer open."""
    try:
        stripe.checkout.Session.expire(session_id, stripe_account=account, **_options())
    except stripe.InvalidRequestError:
        return False  # completed or expired already: nothing to close
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return True


def account_create(*, email: str, country: str, idempotency_key: str) -> str:
    """A new connected account (Stripe hosts its onboarding); returns its id."""
    try:
        account = stripe.Account.create(
            type="standard", email=email or None, country=country or None,
            idempotency_key=idempotency_key, **_options(),
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return account.id


def account_link_create(*, account: str, refresh_url: str, return_url: str) -> str:
    """The one-time URL of Stripe's hosted onboarding for `account`."""
    try:
        link = stripe.AccountLink.create(account=account, refresh_url=refresh_url, return_url=return_url,
                                         type="account_onboarding", **_options())
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return link.url


def account_retrieve(*, account: str) -> dict:
    try:
        return stripe.Account.retrieve(account, **_options()).to_dict()
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error


@dataclass(frozen=True)
class IssuedRefund:
    id: str
    status: str


def refund_create(*, account: str, payment_intent: str, amount: int, idempotency_key: str,
                  metadata: dict) -> IssuedRefund:
    try:
        refund = stripe.Refund.create(payment_intent=payment_intent, amount=amount, metadata=metadata,
                                      stripe_account=account, idempotency_key=idempotency_key, **_options())
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    return IssuedRefund(id=refund.id, status=refund.status)
