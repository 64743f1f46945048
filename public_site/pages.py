"""What every page of the booking site does around its view: speak the chosen language, show times in the
tenant's zone, turn "not found" from a selector into a 404, and remember a language picked in the URL; and
what the pages behind secret links do besides: stay out of every cache."""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from allot.errors import NotFoundError
from public_site.languages import remember_choice, use_language

UTC = zoneinfo.ZoneInfo("UTC")


def tenant_zone(tenant) -> zoneinfo.ZoneInfo:
    try:
        return tenant.zone
    except (AttributeError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def public_page(view):
    """Decorate every view of the booking site (tenant hosts and the root domain)."""

    @wraps(view)
    def page(request, *args, **kwargs):
        use_language(request)
        # Overridden, not activated: the thread serves API and admin requests next, in UTC.
        with timezone.override(tenant_zone(getattr(request, "tenant", None))):
            try:
                response = view(request, *args, **kwargs)
            except NotFoundError as error:
                raise Http404(str(error)) from error
        remember_choice(request, response)
        # The language may come from the cookie: a shared cache must not hand this page to someone else.
        patch_vary_headers(response, ("Cookie",))
        return response

    return page


def secret_link_page(view):
    """Decorate the views behind the secret links in emails (/b/, /o/, /w/, /programmes/signups/,
    /programmes/offers/): they show names, email addresses and answers, so no cache (a shared proxy, the
    browser's disk, this site's page cache) may keep them, and their address (the secret) is never sent to
    another site as a Referer."""

    @wraps(view)
    def page(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        # Not no-referrer: a form posted from the page would then send `Origin: null`, which fails CSRF.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    page.is_secret_link_page = True
    return page
