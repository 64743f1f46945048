"""Signing an organisation up: its owner's account, the organisation, its subdomain, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.models import Tenant
from tenants.pool.services import pool_claim
from tenants.services import TenantError, tenant_create
from tenants.signup.forms import EMAIL_TAKEN
from tenants.template_schema import provisioning_lock


class SignUpError(TenantError):
    pass


@dataclass(frozen=True)
class SignedUp:
    tenant: Tenant
    user: object


def organisation_sign_up(
    *,
    organisation_name: str,
    slug: str,
    owner_name: str,
    email: str,
    password: str,
    timezone: str,
    default_language: str,
    country: str,
    currency: str,
    language: str,
) -> SignedUp:
    """Create the owner's account (email unverified), the organisation on trial with its subdomain and the
    owner's membership, all or nothing; the verification email (in `language`) leaves through the outbox after
    commit. Two sign-ups for one subdomain: one commits, the other gets SignUpError on `slug`."""
    User = get_user_model()
    email = email.strip().lower()
    # The password hash is the slowest step (allot.accounts.hashers): made before the transaction, so the pool
    # row and the provisioning lock are held for the writes only.
    password_hash = make_password(password)
    with transaction.atomic():
        # A ready schema from the warm pool: the sign-up only renames it and writes its rows (tenants.pool).
        pool_schema = pool_claim()
        if pool_schema is None:
            # Cloning. Before the owner's row: the clone's foreign keys to accounts_user would otherwise deadlock
            # with another sign-up's owner row (tenants.template_schema.provisioning_lock).
            provisioning_lock()
        try:
            with transaction.atomic():
                user = User.objects.create(email=email, password=password_hash, full_name=owner_name.strip())
        except IntegrityError as error:
            raise SignUpError(_("The organisation could not be saved."), fields={"email": [str(EMAIL_TAKEN)]},
                              code="email_taken") from error
        email_address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        try:
            tenant = tenant_create(
                slug=slug, display_name=organisation_name, owner=user, timezone=timezone,
                default_language=default_language, contact_email=email, country=country, currency=currency,
                status=Tenant.Status.TRIAL, pool_schema=pool_schema,
            )
        except TenantError as error:
            if error.code in ("slug_taken", "slug_just_taken"):
                # The form found it free a moment ago: another sign-up has just committed it.
                just_taken = _("This subdomain was just taken. Please choose another.")
                raise SignUpError(just_taken, fields={"slug": [just_taken]}, code="slug_just_taken") from error
            raise
        # allauth's confirmation, sent by the account adapter through the outbox (tenants.signup.emails).
        with translation.override(language):
            EmailConfirmationHMAC(email_address).send(signup=True)
    return SignedUp(tenant=tenant, user=user)

