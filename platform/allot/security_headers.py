"""Security headers beyond Django's own: Content-Security-Policy (django-csp, with the page's brand style
allowed by its hash) and Permissions-Policy.

The booking site's pages (and every page built on allot/base.html) carry one inline <style>: the tenant's
colours as CSS custom properties (public_site.branding). A nonce cannot allow it: browsing pages are served
from the page cache, and a cached page would carry the nonce of the request that rendered it. Its content
is a function of the tenant alone, so its hash is known for every response of the tenant's host, cached or
not, and nothing else inline is allowed.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

from public_site.branding import brand_for, style_sources


def _merge(directives: dict | None, extra: dict) -> dict:
    merged = dict(directives or {})
    for name, sources in extra.items():
        merged[name] = [*merged.get(name, ()), *sources]
    return merged


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy completed for the page at hand."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(settings.ALLOT_CSP_INLINE_STYLE_PATHS):
            # A hash next to 'unsafe-inline' would make browsers ignore 'unsafe-inline': replace, not add.
            parts.replace = {**(parts.replace or {}), "style-src": [SELF, UNSAFE_INLINE]}
        else:
            # The host's brand (a cached page renders nothing), and any other a view rendered (a preview).
            sources = {brand_for(getattr(request, "tenant", None)).style_source, *style_sources(request)}
            parts.update = _merge(parts.update, {"style-src": sorted(sources)})
        return parts


class PermissionsPolicyMiddleware:
    """Switch off browser features no page uses (camera, microphone, geolocation, payment…)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.ALLOT_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
