"""Template helpers of the booking site: language-keeping links, the tenant's brand, prices, durations."""

from __future__ import annotations

import functools
import hashlib
import operator
import threading
from collections import OrderedDict

from django import template
from django.db import connection
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from public_site import forms, languages
from public_site.branding import brand_for, style_sources
from public_site.formatting import format_duration, format_price

register = template.Library()


@register.simple_tag
def site_url(view_name, *args, **query):
    """{% site_url "public-service" service.slug month="2025-06" %}: a link that keeps `?lang=`."""
    return languages.site_url(view_name, *args, **query)


@register.simple_tag(takes_context=True)
def page_language(context):
    """The language the page is shown in (what the view chose, or chosen now for error pages)."""
    return languages.page_language(context.get("request"))


@register.simple_tag(takes_context=True)
def language_links(context):
    request = context.get("request")
    return languages.switcher_links(request) if request is not None else []


@register.simple_tag(takes_context=True)
def brand_css(context):
    """The `:root` custom properties with the tenant's colours and button shape (inside a <style> element,
    which the Content-Security-Policy allows by its hash)."""
    brand = brand_for(context.get("tenant"))
    request = context.get("request")
    if request is not None:
        style_sources(request).add(brand.style_source)
    return mark_safe(brand.css())  # built with format_html from validated values


def _logo_url(tenant) -> str:
    if not tenant.logo:
        return ""
    # Every stored logo has a name of its own (tenants.services.tenant_logo_set): a new logo, a new address.
    version = hashlib.sha256(tenant.logo.name.encode()).hexdigest()[:12]
    return f"{reverse('tenant-logo')}?v={version}"


@register.simple_tag(takes_context=True)
def site_identity(context):
    """Name, logo, home link and contact of the site the page belongs to (a tenant's, or Allot's own)."""
    tenant = context.get("tenant")
    request = context.get("request")
    if languages.is_customer(tenant):
        return {
            "is_tenant": True, "name": tenant.display_name, "logo_url": _logo_url(tenant),
            "home_url": languages.site_url("tenant-home"), "contact_email": tenant.contact_email,
            "contact_phone": tenant.contact_phone,
        }
    known_host = request is not None and getattr(request, "tenant", None) is not None
    return {"is_tenant": False, "name": "Allot", "logo_url": "",
            "home_url": languages.site_url("landing") if known_host else "", "contact_email": "", "contact_phone": ""}


@register.filter
def price(service_or_amount, currency=None):
    """{{ service|price }} or {{ amount|price:"EUR" }}."""
    if currency is None:
        return format_price(service_or_amount.price_amount, service_or_amount.price_currency)
    return format_price(int(service_or_amount), currency)


@register.filter
def duration(minutes):
    return format_duration(minutes)


@register.filter
def translated(obj, field):
    """{{ service|translated:"name" }}: tenant content in the page's language, else the tenant's default."""
    return obj.translated(field)


@register.filter
def start_parameter(value):
    """A start time as it travels in the site's URLs (`?start=2025-06-10T07:00Z`)."""
    return forms.start_parameter(value)


@register.filter
def local_time(value, format_name="TIME_FORMAT"):
    """{{ start|local_time }} (or `|local_time:"DATETIME_FORMAT"`): a moment in the page's zone, with the zone's
    abbreviation when that wall-clock time happens twice: on the night clocks go back, 02:00 CEST and
    02:00 CET are an hour apart, and both would read "02:00"."""
    if value in (None, ""):
        return ""
    return _local_time(value, timezone.get_current_timezone(), translation.get_language(), format_name)


@functools.lru_cache(maxsize=8192)
def _local_time(value, zone, language: str | None, format_name: str) -> str:
    """local_time, remembered per moment, zone, language and format: a day page lists a dozen times, and
    formatting each afresh was a noticeable part of its cost."""
    local = timezone.localtime(value, zone)
    text = date_format(local, format_name)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return f"{text} {local.tzname()}"
    return text


# --- Fragments rendered once per process --------------------------------------------------------------------

FRAGMENTS_KEPT = 4096
_fragments: OrderedDict[tuple, str] = OrderedDict()
_fragments_lock = threading.Lock()


def fragments_cache_enabled() -> bool:
    """Not inside a transaction (tests, and anything that could see uncommitted rows): there the fragment is
    rendered afresh, as the catalogue is loaded afresh."""
    return not connection.in_atomic_block


def forget_fragments() -> None:
    """Tests: drop every fragment this process keeps."""
    with _fragments_lock:
        _fragments.clear()


def _fingerprint(value):
    """What a key part stands for: a model row is every column's value (a bulk `.update()` changes no
    `updated_at`, but it changes a column), anything else itself (lists and dicts as their repr)."""
    if isinstance(value, Model):
        return (type(value).__name__, *map(_hashable, _columns_of(type(value))(value)))
    return _hashable(value)


@functools.cache
def _columns_of(model) -> operator.attrgetter:
    return operator.attrgetter(*(field.attname for field in model._meta.concrete_fields))


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class CachedIncludeNode(template.Node):
    def __init__(self, template_name, key_parts):
        self.template_name, self.key_parts = template_name, key_parts

    def render(self, context):
        name = self.template_name.resolve(context)
        if not fragments_cache_enabled():
            return self._render(name, context)
        tenant = getattr(connection, "tenant", None)
        fragment_key = (name, translation.get_language(), connection.schema_name, _fingerprint(tenant),
                        *(_fingerprint(part.resolve(context)) for part in self.key_parts))
        html = _fragments.get(fragment_key)
        if html is None:
            html = self._render(name, context)
            with _fragments_lock:
                _fragments[fragment_key] = html
                while len(_fragments) > FRAGMENTS_KEPT:
                    _fragments.popitem(last=False)
        return html

    def _render(self, name, context):
        with context.push():
            return mark_safe(context.template.engine.get_template(name).render(context))  # a template's output


@register.tag
def cached_include(parser, token):
    """{% cached_include "public_site/_steps.html" service.is_group step %}: the template's output, rendered
    once per process for the same key and kept (at most FRAGMENTS_KEPT of them, the oldest dropped first).
    The key is the template, the active language, the tenant (every column) and the values named after the
    template (a model row stands for all its columns): they must be everything the fragment shows. For the
    fragments repeated on every browsing page (steps, a service's header and card, the zone note): rendering
    them with their translations and filters was a good part of an uncached page's cost. A fragment must not
    act on the request (a tag that adds a CSP source, a CSRF token): a kept one is not rendered again."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("cached_include takes a template name and the values of its key")
    return CachedIncludeNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])
