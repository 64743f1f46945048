"""What every page of the booking site does around its view: speak the chosen language, show times in the
tenant's zone, turn "not found" from a selector into a 404 and a rate limit into the 429 page, and remember a
language picked in the URL; and what the pages behind secret links do besides: stay out of every cache."""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from allot.errors import NotFoundError
from allot.rate_limits import RateLimited
from booking_core.public_limits import limit_creation, limit_link_action
from public_site.errors import too_many_requests_page
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
            except RateLimited as error:
                response = too_many_requests_page(request, retry_after=error.retry_after)
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


def creation_page(counts=None):
    """Decorate (under public_page) a page whose POST creates something and emails the client (a booking, a
    waitlist entry, a sign-up): every such POST counts against the abuse limits, valid or not, before the view
    runs (`counts(request)` narrows which POSTs create). The view calls `request.creation_limit.created()`
    once it created something, for the cap on addresses that have never confirmed anything."""

    def decorate(view):
        @wraps(view)
        def page(request, *args, **kwargs):
            request.creation_limit = None
            if request.method == "POST" and (counts is None or counts(request)):
                request.creation_limit = limit_creation(request, email=request.POST.get("email"))
            return view(request, *args, **kwargs)

        return page

    return decorate


def created(request) -> None:
    """What a creation_page's view calls once it created something."""
    if getattr(request, "creation_limit", None) is not None:
        request.creation_limit.created()


def link_action_page(view):
    """Decorate (under public_page) a page behind an emailed link whose POST acts (cancel, accept, leave...):
    every POST counts against the per-address limit of such actions."""

    @wraps(view)
    def page(request, *args, **kwargs):
        if request.method == "POST":
            limit_link_action(request)
        return view(request, *args, **kwargs)

    return page
