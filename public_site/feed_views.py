"""Calendar subscriptions: the secret .ics feeds of the organisation, its staff members and its clients.

A calendar app polls these addresses; an unchanged feed is answered 304 from its version (two aggregate
queries) without being built. An unknown or reset token is a 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_GET

from booking_core.messages.feeds import feed_ics
from booking_core.selectors.feeds import feed_bookings, feed_get_by_token, feed_sessions, feed_version
from public_site.pages import public_page, secret_link_page


def _private(response):
    # Secret content: a shared cache must not keep it, but the subscriber may revalidate with its ETag.
    patch_cache_control(response, private=True, no_cache=True)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@secret_link_page
@public_page
@require_GET
def calendar_feed(request, token: str):
    feed = feed_get_by_token(token=token)
    tenant = request.tenant
    now = timezone.now()
    last_modified, etag = feed_version(feed, zone_name=str(tenant.zone), now=now)
    etag = quote_etag(etag)
    timestamp = int(last_modified.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        return _private(not_modified)
    body = feed_ics(feed, tenant, bookings=feed_bookings(feed, now=now), sessions=feed_sessions(feed, now=now),
                    stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(timestamp)
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return _private(response)
