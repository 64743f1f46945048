"""Rendering a tenant's email from its three templates: `<name>.subject.txt`, `<name>.txt`, `<name>.html`.

Called by the outbox renderers in the worker (tenant schema set, language already activated). Times render
in the tenant's zone; the sender shows the organisation's name and replies go to its contact address.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from booking_core.messages.custom import custom_text_for, fill, placeholder_values


def sender_for(tenant) -> str:
    """`Organisation name <platform address>`: mail comes from the platform's domain in the tenant's name."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")
    return f"{tenant.display_name} <{address}>"


_BUILT_IN = object()


def tenant_email(*, tenant, template: str, context: dict, recipient: str, event_type: str | None = None,
                 custom=_BUILT_IN, subject_prefix: str = "") -> EmailMultiAlternatives:
    """The email `template` (a path without suffix) rendered with `context`, plain text with an HTML part.

    With `event_type`, the organisation's own subject and text for it in the active language replace the
    template's when there are some (booking_core.messages.custom); `custom` gives them instead of looking
    them up (None: the built-in wording), for previews."""
    if event_type is not None and custom is _BUILT_IN:
        custom = custom_text_for(event_type, (translation.get_language() or "en")[:2])
    with timezone.override(tenant.zone):
        if event_type is not None and custom not in (None, _BUILT_IN):
            values = placeholder_values(tenant, context)
            subject = " ".join(fill(custom.subject, values).split())
            text = fill(custom.text, values)
            html = render_to_string("booking_core/email/custom.html", {**context, "text": text})
        else:
            subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
            text = render_to_string(f"{template}.txt", context)
            html = render_to_string(f"{template}.html", context)
    subject = f"{subject_prefix}{subject}"
    email = EmailMultiAlternatives(
        subject=subject, body=text, to=[recipient], from_email=sender_for(tenant),
        reply_to=[tenant.contact_email] if tenant.contact_email else None,
    )
    email.attach_alternative(html, "text/html")
    return email
