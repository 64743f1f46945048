"""Who may sign in where, and who may create an account: allauth's adapter and login form for Allot.

Every sign-in goes through allauth (the admins' login pages redirect there), so a user with an
authenticator is always asked for a code, and allauth's rate limits apply to every attempt.

- On a tenant's host only that tenant's members may sign in; clients have no accounts.
- Platform staff need a TOTP authenticator before they reach the admin (and the console) on the root
  domain: `platform_staff_access` says whether they may enter, must set one up first, or may not enter.
- Nobody signs up through allauth's own sign-up page. The organisation sign-up on the root domain opens it
  for the duration of its own request with `organisation_signup_open(request)`; members join by invitation.
"""

from __future__ import annotations

import enum
from contextlib import contextmanager

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tenants.permissions import current_tenant, membership_role

_ORGANISATION_SIGNUP_ATTRIBUTE = "_allot_organisation_signup_open"
# The session remembers where a staff member was going while they set up their authenticator.
AFTER_MFA_SETUP_SESSION_KEY = "_allot_after_mfa_setup"


def on_root_domain() -> bool:
    return getattr(connection, "schema_name", settings.PUBLIC_SCHEMA_NAME) == settings.PUBLIC_SCHEMA_NAME


@contextmanager
def organisation_signup_open(request):
    """The organisation sign-up flow (root domain, /signup/) wraps the part of its request that creates the
    owner's account in this: allauth's sign-up is open there and then, and nowhere else."""
    setattr(request, _ORGANISATION_SIGNUP_ATTRIBUTE, True)
    try:
        yield
    finally:
        delattr(request, _ORGANISATION_SIGNUP_ATTRIBUTE)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Closed everywhere, except inside the organisation sign-up on the root domain."""
        return bool(getattr(request, _ORGANISATION_SIGNUP_ATTRIBUTE, False)) and on_root_domain()

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """allauth's "confirm your email address" goes through the outbox, after the commit of what caused it."""
        from django.utils import translation

        from tenants.signup.emails import email_confirmation_queue

        email_confirmation_queue(email_address=emailconfirmation.email_address, signup=signup,
                                 language=(translation.get_language() or settings.LANGUAGE_CODE)[:2])

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys failed attempts by host and address. Accounts are shared by every host, so the limit is
        # per account: spreading guesses over many tenants' hosts must not multiply the attempts.
        return credentials.get("email", credentials.get("username", "")).strip().lower()


class MemberLoginForm(LoginForm):
    """allauth's login form; on a tenant's host it refuses accounts that are not members of the tenant."""

    def clean(self):
        cleaned_data = super().clean()
        tenant = current_tenant()
        if tenant is not None and self.user is not None and membership_role(user=self.user, tenant=tenant) is None:
            self.user = None
            raise forms.ValidationError(_("This account is not a member of this organisation."), code="not_a_member")
        return cleaned_data


class PlatformAccess(enum.Enum):
    ALLOWED = "allowed"
    NEEDS_MFA = "needs_mfa"  # platform staff without an authenticator: send them to set one up
    DENIED = "denied"


def has_totp(user) -> bool:
    """The user has an authenticator app set up (remembered on the user object for the request)."""
    if "_allot_has_totp" not in user.__dict__:
        user.__dict__["_allot_has_totp"] = is_mfa_enabled(user, [Authenticator.Type.TOTP])
    return user.__dict__["_allot_has_totp"]


def member_needs_mfa_setup(user, tenant) -> bool:
    """The organisation requires two-factor authentication and this member has no authenticator app yet."""
    return bool(getattr(tenant, "mfa_required", False)) and not has_totp(user)


def platform_staff_access(user) -> PlatformAccess:
    """May this user enter the platform's own pages on the root domain (the admin, the console)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return PlatformAccess.DENIED
    # Asked on every admin page: remembered on the user object for the request.
    return PlatformAccess.ALLOWED if has_totp(user) else PlatformAccess.NEEDS_MFA


# allauth's rate-limited actions, by the name of the page they guard (for the 429 page's "try again in").
_ACTION_OF_PAGE = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_reauthenticate": "reauthenticate",
    "account_change_password": "change_password",
    "account_email": "manage_email",
    "organisation-signup": "organisation_signup",
}


def _longest_window_seconds(action: str | None) -> int:
    from allauth.account import app_settings as account_settings
    from allauth.core.internal.ratelimit import parse_rates

    limits = account_settings.RATE_LIMITS
    rates = parse_rates(limits.get(action)) if action in limits else [
        rate for value in limits.values() for rate in parse_rates(value)
    ]
    return int(max((rate.duration for rate in rates), default=60))


def too_many_requests(request):
    """The 429 page allauth shows when a rate limit is reached (handler429 of the URL configuration): in the
    site's look, saying how long to wait at most, with Retry-After."""
    match = getattr(request, "resolver_match", None)
    seconds = _longest_window_seconds(_ACTION_OF_PAGE.get(match.url_name if match else None))
    response = render(request, "429.html", {"retry_after_minutes": -(-seconds // 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
