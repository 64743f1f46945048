"""The renderer of "send me a test": the event's email as a client would get it (the organisation's own text
when it has one), filled with sample values, to the member who asked (booking_core.messages.custom)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import connection

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.models import OutboxMessage
from booking_core.messages.custom import CLIENT_EVENTS, TEST_EVENT, builtin_template, sample_context
from booking_core.messages.rendering import tenant_email


def sample_email(*, tenant, event_type: str, recipient: str, custom=None, use_saved: bool = True,
                 subject_prefix: str = "") -> EmailMultiAlternatives:
    """`event_type`'s email with sample values, in the active language: with the saved own text (use_saved),
    with `custom` (an unsaved one, for a preview), or the built-in one (neither)."""
    extra = {} if use_saved else {"custom": custom}
    return tenant_email(tenant=tenant, template=builtin_template(event_type), recipient=recipient,
                        context=sample_context(tenant, event_type), event_type=event_type,
                        subject_prefix=subject_prefix, **extra)


@renderer(TEST_EVENT)
def render_test_email(row: OutboxMessage) -> EmailMultiAlternatives:
    event_type = row.payload.get("event_type")
    if event_type not in CLIENT_EVENTS:
        raise NoLongerRelevant("not a client email")
    return sample_email(tenant=connection.tenant, event_type=event_type, recipient=row.recipient,
                        subject_prefix="[Test] ")
