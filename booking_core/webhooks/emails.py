"""The owners' email when an endpoint was switched off after failing again and again."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils.translation import gettext as _

from allot.outbox.delivery import renderer
from booking_core.webhooks.services import ENDPOINT_DISABLED_MESSAGE
from tenants.links import tenant_url


@renderer(ENDPOINT_DISABLED_MESSAGE)
def render_endpoint_disabled(row) -> EmailMultiAlternatives:
    tenant = connection.tenant
    subject = _("A webhook endpoint of %(organisation)s was switched off") % {"organisation": tenant.display_name}
    body = _(
        "Allot could not deliver events to %(url)s: it failed %(failures)s times in a row, so the endpoint is "
        "switched off and no more events go to it.\n\n"
        "Check the receiving server, then switch the endpoint back on in the back office; its delivery log shows "
        "what went wrong, and missed events can be delivered again from there:\n%(link)s\n"
    ) % {"url": row.payload["url"], "failures": row.payload["failures"],
         "link": tenant_url(tenant, f"/office/webhooks/{row.payload['endpoint']}/")}
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                                  to=[row.recipient])
