"""The back office's home: members only; others are sent to sign in."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from booking_core.selectors.catalogue import services_for_clients
from public_site.pages import public_page
from tenants.permissions import membership_role


@public_page
def office_home(request):
    tenant = request.tenant
    if membership_role(user=request.user, tenant=tenant) is None:
        return redirect_to_login(request.get_full_path())
    unconfirmed = EmailAddress.objects.filter(user=request.user, primary=True, verified=False).first()
    response = render(request, "backoffice/home.html", {
        "tenant": tenant,
        "has_services": bool(services_for_clients()),
        "unconfirmed_email": unconfirmed.email if unconfirmed else None,
    })
    patch_cache_control(response, private=True, no_store=True)
    return response
