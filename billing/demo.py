"""Demo data for `make up` (allot.demo): the demo organisations' Stripe accounts, so their paid services can be
booked and paid (through the local Stripe stand-in, or Stripe in test mode). ALLOT_DEMO_STRIPE_ACCOUNTS says which
organisation gets which account; without it, or without Stripe, nothing is linked."""

from __future__ import annotations

from django.conf import settings

from billing import stripe_api
from billing.services.connect import connected_account_link_existing


def demo_accounts() -> dict[str, str]:
    """ALLOT_DEMO_STRIPE_ACCOUNTS ("demo=acct_1,acme=acct_2") as {slug: account id}."""
    pairs = (item.split("=", 1) for item in settings.ALLOT_DEMO_STRIPE_ACCOUNTS.split(",") if "=" in item)
    return {slug.strip(): account.strip() for slug, account in pairs if slug.strip() and account.strip()}


def seed(tenant) -> None:
    account_id = demo_accounts().get(tenant.slug)
    if account_id and stripe_api.payments_configured():
        connected_account_link_existing(tenant=tenant, account_id=account_id)
