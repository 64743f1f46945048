"""Rendering a tenant's email from its three templates: `<name>.subject.txt`, `<name>.txt`, `<name>.html`.

Called by the outbox renderers in the worker (tenant schema set, language already activated). Times render
in the tenant's zone; the sender shows the organisation's name and replies go to its contact address.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone


def sender_for(tenant) -> str:
    """`Organisation name <platform address>`: mail comes from the platform's domain in the tenant's name."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")
    return f"{tenant.display_name} <{address}>"


def tenant_email(*, tenant, template: str, context: dict, recipient: str) -> EmailMultiAlternatives:
    """The email `template` (a path without suffix) rendered with `context`, plain text with an HTML part."""
    with timezone.override(tenant.zone):
        subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    email = EmailMultiAlternatives(
        subject=subject, body=text, to=[recipient], from_email=sender_for(tenant),
        reply_to=[tenant.contact_email] if tenant.contact_email else None,
    )
    email.attach_alternative(html, "text/html")
    return email
