"""Template helpers of the account pages (platform/allot/templates/allauth)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import template

from tenants.accounts import AFTER_MFA_SETUP_SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def after_mfa_setup_url(context) -> str:
    """Where someone sent to set up an authenticator was going (platform staff to the admin or console, a member
    of an organisation that requires it to the back office), once they have one (else "")."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    destination = request.session.get(AFTER_MFA_SETUP_SESSION_KEY, "")
    user = getattr(request, "user", None)
    if destination and getattr(user, "is_authenticated", False) and is_mfa_enabled(user, [Authenticator.Type.TOTP]):
        return destination
    return ""
