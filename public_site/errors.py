"""Error pages in the tenant's branding and the visitor's language (handler404 / handler500 of both
URL configurations, CSRF_FAILURE_VIEW, and the 429 of the abuse limits). They use only what is already in
memory: a 500 may mean the database is gone."""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import translation

from public_site.languages import page_language

logger = logging.getLogger(__name__)


def page_not_found(request, exception=None):
    with translation.override(page_language(request)):
        return render(request, "404.html", {"tenant": getattr(request, "tenant", None)}, status=404)


def server_error(request):
    try:
        with translation.override(page_language(request)):
            return render(request, "500.html", {"tenant": getattr(request, "tenant", None)}, status=500)
    except Exception:  # the error page itself must never fail: fall back to a page without context
        logger.exception("the 500 page could not be rendered")
        return HttpResponseServerError(get_template("500_plain.html").render())


def csrf_failure(request, reason=""):
    """A form sent without a valid security token (a page left open for long, cookies blocked): say that
    nothing happened and what to do, in the site's look, instead of Django's technical page."""
    with translation.override(page_language(request)):
        return render(request, "public_site/csrf_failure.html", {"tenant": getattr(request, "tenant", None)},
                      status=403)


def too_many_requests_page(request, *, retry_after: int):
    """A request over one of the abuse limits (allot.rate_limits): the sign-in limits' 429 page, saying how long
    to wait, with Retry-After. Nothing was done."""
    response = render(request, "429.html", {"tenant": getattr(request, "tenant", None),
                                            "retry_after_minutes": -(-retry_after // 60)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
