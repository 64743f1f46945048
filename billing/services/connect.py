"""Stripe Connect onboarding: the organisation's own Stripe account, which its clients' payments go to."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from billing import stripe_api
from billing.models import ConnectedAccount
from billing.services.payments import PaymentUnavailableError
from billing.services.stripe_events import connected_account_apply


def connected_account_onboarding_start(*, tenant, email: str, refresh_url: str, return_url: str) -> str:
    """Create the tenant's connected account if it has none, and return the URL of Stripe's onboarding for it."""
    if not stripe_api.payments_configured():
        raise PaymentUnavailableError(_("Online payments are not set up on this platform."))
    account = ConnectedAccount.objects.filter(tenant=tenant).first()
    try:
        if account is None:
            # Same key on a retry: Stripe answers with the account it already made instead of a second one.
            account_id = stripe_api.account_create(email=email, country="",
                                                   idempotency_key=f"connect-account:{tenant.schema_name}")
            with transaction.atomic():
                account, _created = ConnectedAccount.objects.get_or_create(
                    tenant=tenant, defaults={"stripe_account_id": account_id})
        return stripe_api.account_link_create(account=account.stripe_account_id, refresh_url=refresh_url,
                                              return_url=return_url)
    except stripe_api.StripeUnavailable as error:
        raise PaymentUnavailableError(_("Stripe could not be reached. Please try again in a moment.")) from error


def connected_account_refresh(*, tenant) -> ConnectedAccount | None:
    """Ask Stripe for the tenant's account state now (on return from onboarding; webhooks keep it current)."""
    account = ConnectedAccount.objects.filter(tenant=tenant).first()
    if account is None:
        return None
    try:
        state = stripe_api.account_retrieve(account=account.stripe_account_id)
    except stripe_api.StripeUnavailable:
        return account
    connected_account_apply(account_id=account.stripe_account_id, account=state, as_of=None)
    account.refresh_from_db()
    return account


def connected_account_link_existing(*, tenant, account_id: str) -> ConnectedAccount:
    """Give a tenant without an account an existing, already onboarded Stripe account (demo data), in the state
    Stripe reports for it; a tenant that has one keeps it."""
    with transaction.atomic():
        account, created = ConnectedAccount.objects.get_or_create(tenant=tenant,
                                                                  defaults={"stripe_account_id": account_id})
    if created:
        return connected_account_refresh(tenant=tenant)
    return account
