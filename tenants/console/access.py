"""Who may open the console: platform staff with a second factor (TOTP), as for the root admin.

Anonymous visitors are sent to sign in; signed-in accounts without platform staff rights (tenant owners
included) get a 404, so the console does not admit it exists; staff without an authenticator are sent to set
one up and come back here afterwards.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from tenants.accounts import AFTER_MFA_SETUP_SESSION_KEY, PlatformAccess, on_root_domain, platform_staff_access


def console_page(view):
    """Decorate every console view."""

    @wraps(view)
    def page(request, *args, **kwargs):
        if not on_root_domain():
            raise Http404
        if not request.user.is_authenticated:
            login = reverse("account_login")
            return redirect(f"{login}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        access = platform_staff_access(request.user)
        if access is PlatformAccess.NEEDS_MFA:
            request.session[AFTER_MFA_SETUP_SESSION_KEY] = request.get_full_path()
            return redirect("mfa_activate_totp")
        if access is not PlatformAccess.ALLOWED:
            raise Http404
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return page
