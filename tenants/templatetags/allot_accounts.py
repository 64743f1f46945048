"""Template helpers of the account pages (platform/allot/templates/allauth)."""

from __future__ import annotations

from django import template

from tenants.accounts import AFTER_MFA_SETUP_SESSION_KEY, PlatformAccess, platform_staff_access

register = template.Library()


@register.simple_tag(takes_context=True)
def after_mfa_setup_url(context) -> str:
    """Where a staff member sent to set up an authenticator was going, once they have one (else "")."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    destination = request.session.get(AFTER_MFA_SETUP_SESSION_KEY, "")
    if destination and platform_staff_access(request.user) is PlatformAccess.ALLOWED:
        return destination
    return ""
