"""Which language a page of the booking site speaks, and how the choice travels.

The choice comes from `?lang=xx` (the language switcher, and every link the site builds), else the
`django_language` cookie (set whenever `?lang` picks a language), else a hint from the page (a booking's
own language on its manage pages), else the browser's Accept-Language, else the tenant's default. Only
the tenant's enabled languages are ever chosen. On the root domain all languages are offered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote_plus, urlencode

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from tenants.models import LANGUAGE_CHOICES, LANGUAGE_CODES

QUERY_PARAMETER = "lang"
# Each language is offered in its own name, whatever the page's language.
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
_CHOSEN_ATTRIBUTE = "_public_site_language"


def _tenant(request: HttpRequest | None):
    tenant = getattr(request, "tenant", None) if request is not None else None
    return tenant if tenant is not None else getattr(connection, "tenant", None)


def is_customer(tenant) -> bool:
    """Whether `tenant` is an organisation's site (not the root domain's public row or the template)."""
    return tenant is not None and getattr(tenant, "schema_name", settings.PUBLIC_SCHEMA_NAME) not in (
        settings.PUBLIC_SCHEMA_NAME, settings.TENANT_BASE_SCHEMA)


def offered_languages(tenant) -> list[str]:
    """The tenant's enabled languages in the site's order (English, Hungarian, German)."""
    if not is_customer(tenant):
        return list(LANGUAGE_CODES)
    enabled = set(tenant.enabled_languages or [])
    return [code for code in LANGUAGE_CODES if code in enabled] or list(LANGUAGE_CODES)


def default_language(tenant) -> str:
    offered = offered_languages(tenant)
    if is_customer(tenant) and tenant.default_language in offered:
        return tenant.default_language
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in offered else offered[0]


def _accepted(request: HttpRequest) -> list[str]:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return [code.split("-")[0].lower() for code, _quality in parse_accept_lang_header(header) if code != "*"]


def requested_language(request: HttpRequest) -> str | None:
    """The language `?lang=` asks for, when the tenant offers it."""
    code = (request.GET.get(QUERY_PARAMETER) or "").lower()
    return code if code in offered_languages(_tenant(request)) else None


def choose_language(request: HttpRequest, *, hint: str | None = None) -> str:
    """The language this request's page is shown in (see the module docstring for the order)."""
    offered = offered_languages(_tenant(request))
    candidates = [
        request.GET.get(QUERY_PARAMETER),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        hint,
        *_accepted(request),
    ]
    for candidate in candidates:
        code = (candidate or "").lower()[:2]
        if code in offered:
            return code
    return default_language(_tenant(request))


def use_language(request: HttpRequest, *, hint: str | None = None) -> str:
    """Choose the page's language and make it the active one for the rest of the request."""
    language = choose_language(request, hint=hint)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, _CHOSEN_ATTRIBUTE, language)
    return language


def page_language(request: HttpRequest | None) -> str:
    """The language chosen for this request's page (chosen now when no view did, e.g. error pages)."""
    if request is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    chosen = getattr(request, _CHOSEN_ATTRIBUTE, None)
    return chosen or choose_language(request)


def remember_choice(request: HttpRequest, response: HttpResponse) -> None:
    """A language picked with `?lang=` becomes the cookie, so pages without the parameter keep it."""
    code = requested_language(request)
    if code and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        )


def with_query(path: str, **query) -> str:
    """`path` with the query parameters that have a value (lists repeat the parameter)."""
    pairs = []
    for name, value in query.items():
        if value is None or value == "":
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((name, str(item)))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def site_url(view_name: str, *args, language: str | None = None, **query) -> str:
    """A link of the site that keeps the page's language in the URL (`?lang=xx`)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    path = _reverse(view_name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
                    translation.get_language())
    return with_query(path, **query, **{QUERY_PARAMETER: language})


def site_url_builder(view_name: str, *args, **query) -> Callable[..., str]:
    """site_url for many links that differ only in their last path arguments (a month's days): the query and
    the page's language are worked out once. `builder(*more_args)` == `site_url(view_name, *args, *more_args,
    **query)`."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    suffix = with_query("", **query, **{QUERY_PARAMETER: language})
    urlconf, script_prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    active_language = translation.get_language()

    def build(*more_args) -> str:
        return _reverse(view_name, (*args, *more_args), urlconf, script_prefix, active_language) + suffix

    return build


def site_query_builder(view_name: str, *args, first: str, **query) -> Callable[[str], str]:
    """site_url for many links to one page that differ only in one query parameter (a day's free times, by
    start): the path, the other parameters and the page's language are worked out once. `builder(value)` ==
    `site_url(view_name, *args, **{first: value}, **query)` for a non-empty `value`."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    path = _reverse(view_name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
                    translation.get_language())
    rest = with_query("", **query, **{QUERY_PARAMETER: language})[1:]
    prefix = f"{path}?{quote_plus(first, safe='')}="

    def build(value: str) -> str:
        # as urlencode writes a pair
        return f"{prefix}{quote_plus(str(value), safe='')}&{rest}"

    return build


@functools.lru_cache(maxsize=4096)
def _reverse(view_name: str, args: tuple, urlconf: str, script_prefix: str, active_language: str | None) -> str:
    """reverse(), remembered: a calendar page links each of its days and times, and resolving the same few
    patterns afresh for each link was a good part of its cost. Keyed on everything reverse() reads."""
    return reverse(view_name, args=args, urlconf=urlconf)


def switcher_links(request: HttpRequest) -> list[dict]:
    """The language switcher: this page's address in every offered language."""
    current = page_language(request)
    links = []
    # one copy for all the links: setting the parameter again keeps its place, as in a fresh copy
    query = request.GET.copy()
    for code in offered_languages(_tenant(request)):
        query[QUERY_PARAMETER] = code
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "current": code == current,
                      "url": f"{request.path}?{query.urlencode()}"})
    return links
