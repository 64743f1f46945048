"""Request-side tenancy: resolve the tenant from the host, refuse unknown and suspended ones, and keep
a login on one tenant from counting on another."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponseNotFound
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from tenants import resolution

SESSION_SCHEMA_KEY = "_allot_tenant_schema"


class TenantResolutionMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached lookup and proper 404 / 503 pages."""

    def no_tenant_found(self, request, hostname):
        return render(request, "allot/unknown_host.html", {"hostname": hostname}, status=404)

    def process_request(self, request):
        # Unlike the stock middleware, keep a persistent connection on its schema when the next request is
        # for the same tenant: resetting to public and back costs a `SET search_path` round trip each time.
        # The domain lookup works from any search path (tenant schemas have no tenants_domain table).
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        tenant = resolution.tenant_for_host(hostname)
        if tenant is None:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        if getattr(connection, "tenant", None) is not tenant:
            connection.set_tenant(tenant)
        self.setup_url_routing(request)
        _tag_errors_with_tenant(tenant.schema_name)
        if tenant.status == tenant.Status.CLOSED:
            if request.path.startswith(CLOSED_OPEN_PATHS):
                return None  # the owners' organisation page (exports, closure) and signing in to reach it
            return render(request, "allot/tenant_closed.html", {"tenant": tenant}, status=503)
        if tenant.schema_name != settings.PUBLIC_SCHEMA_NAME and not tenant.is_active:
            return render(request, "allot/tenant_unavailable.html", {
                "tenant": tenant, "suspension_reason": _reason_for_members(request, tenant),
            }, status=503)
        return None


BACK_OFFICE_PATHS = ("/office/", "/admin/")
# What a closed organisation still answers: its owners download their exports and see that it is closed there
# (owners only: booking_core.backoffice.organisation_views), signing in first if they have to.
CLOSED_OPEN_PATHS = ("/office/organisation/", "/accounts/", "/static/")


def _reason_for_members(request, tenant) -> str:
    """The back office says why the organisation is suspended, to its own signed-in members only: this runs
    before the session and authentication middleware, so it reads the session cookie itself."""
    if not tenant.suspension_reason or not request.path.startswith(BACK_OFFICE_PATHS):
        return ""
    from importlib import import_module

    from django.contrib.auth import get_user

    from tenants.permissions import membership_role

    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return ""
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if request.session.get(SESSION_SCHEMA_KEY) != tenant.schema_name:
        return ""
    return tenant.suspension_reason if membership_role(user=get_user(request), tenant=tenant) else ""


def _tag_errors_with_tenant(schema_name: str) -> None:
    if settings.SENTRY_DSN:
        import sentry_sdk

        sentry_sdk.set_tag("tenant", schema_name)


def bind_session_to_tenant(sender, request, user, **kwargs):
    """Remember on the session which tenant (or the root domain) the login happened on."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SCHEMA_KEY] = connection.schema_name


class SessionTenantBindingMiddleware:
    """A session made on one tenant's host is worthless on another's.

    Cookies are host-only already; this also covers a cookie copied by hand or a shared parent domain.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            bound_schema = request.session.get(SESSION_SCHEMA_KEY)
            if bound_schema != connection.schema_name:
                logout(request)
        return self.get_response(request)
