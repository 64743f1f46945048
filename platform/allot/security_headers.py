"""Security headers beyond Django's own: Content-Security-Policy (django-csp, with the page's brand style
allowed by its hash) and Permissions-Policy.

The booking site's pages (and every page built on allot/base.html) carry one inline <style>: the tenant's
colours as CSS custom properties (public_site.branding). A nonce cannot allow it: browsing pages are served
from the page cache, and a cached page would carry the nonce of the request that rendered it. Its content
is a function of the tenant alone, so its hash is known for every response of the tenant's host, cached or
not, and nothing else inline is allowed.
"""

from __future__ import annotations

import functools
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY, SELF, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from public_site.branding import brand_for, style_sources

# What django-csp's decorators leave on a response to change its policy.
_POLICY_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
                      "_csp_replace_ro", "_csp_exempt", "_csp_exempt_ro")


def _merge(directives: dict | None, extra: dict) -> dict:
    merged = dict(directives or {})
    for name, sources in extra.items():
        merged[name] = [*merged.get(name, ()), *sources]
    return merged


def _inline_styles_allowed(request) -> bool:
    return request.path_info.startswith(settings.ALLOT_CSP_INLINE_STYLE_PATHS)


def _page_style_sources(request) -> tuple[str, ...]:
    # The host's brand (a cached page renders nothing), and any other a view rendered (a preview).
    return tuple(sorted({brand_for(getattr(request, "tenant", None)).style_source, *style_sources(request)}))


def _page_parts(parts: PolicyParts, *, inline_styles: bool, sources: tuple[str, ...]) -> PolicyParts:
    if inline_styles:
        # A hash next to 'unsafe-inline' would make browsers ignore 'unsafe-inline': replace, not add.
        parts.replace = {**(parts.replace or {}), "style-src": [SELF, UNSAFE_INLINE]}
    else:
        parts.update = _merge(parts.update, {"style-src": list(sources)})
    return parts


@functools.lru_cache(maxsize=4096)
def _policy(report_only: bool, inline_styles: bool, sources: tuple[str, ...]) -> str:
    """The header of a page that changed nothing with django-csp's decorators (nearly all): the same for
    every page of a tenant, built once (building it costs more than serving a cached page)."""
    parts = _page_parts(PolicyParts(), inline_styles=inline_styles, sources=sources)
    return build_policy(**asdict(parts), report_only=report_only)


@receiver(setting_changed)
def _forget_policies(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "ALLOT_CSP_INLINE_STYLE_PATHS":
        _policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy completed for the page at hand."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        return _page_parts(parts, inline_styles=_inline_styles_allowed(request), sources=_page_style_sources(request))

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
                hasattr(response, name) for name in _POLICY_ATTRIBUTES):
            return super().process_response(request, response)  # a policy of its own: built as django-csp does
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages (django-csp leaves them alone too)
        inline_styles, sources = _inline_styles_allowed(request), _page_style_sources(request)
        for header, report_only, setting in ((HEADER, False, "CONTENT_SECURITY_POLICY"),
                                             (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
            excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if header in response or request.path_info.startswith(excluded):
                continue
            policy = _policy(report_only, inline_styles, sources)
            if policy:
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written would be in no header.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


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
