"""An organisation's own client email texts (subject and text per event type and language), and "send me a
test" of one, which goes through the outbox like every email (booking_core.messages.custom)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from allot.outbox.services import outbox_write
from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.messages.custom import CLIENT_EVENTS, TEST_EVENT
from booking_core.models import NotificationTemplate
from booking_core.models.translated import LANGUAGES
from booking_core.services.audit import audit_record
from booking_core.services.records import record_delete, record_save


def _known(event_type: str, language: str) -> None:
    if event_type not in CLIENT_EVENTS:
        raise BookingError(_("No such email."), fields={"event_type": [_("Unknown.")]})
    if language not in LANGUAGES:
        raise BookingError(_("No such language."), fields={"language": [_("Unknown.")]})


def notification_text_save(*, event_type: str, language: str, subject: str, text: str,
                           actor: Actor) -> NotificationTemplate | None:
    """Set the organisation's own subject and text of an email in one language; both empty: back to the
    built-in wording (returns None then)."""
    _known(event_type, language)
    subject, text = (subject or "").strip(), (text or "").strip()
    current = NotificationTemplate.objects.filter(event_type=event_type, language=language).first()
    if not subject and not text:
        if current is not None:
            record_delete(current, actor=actor, action="notification_text.deleted")
        return None
    missing = {name: [_("Required, or leave both empty for the built-in email.")]
               for name, value in (("subject", subject), ("text", text)) if not value}
    if missing:
        raise BookingError(_("Give both a subject and a text."), fields=missing)
    record = current or NotificationTemplate(event_type=event_type, language=language)
    return record_save(record, actor=actor, action="notification_text.updated" if current else
                       "notification_text.created", changes={"subject": subject, "text": text})


def notification_test_send(*, event_type: str, language: str, recipient: str, actor: Actor) -> None:
    """Send the email of `event_type` in `language`, with sample values, to `recipient` (the member asking)."""
    _known(event_type, language)
    if not recipient:
        raise BookingError(_("Your account has no email address."))
    with transaction.atomic():
        outbox_write(event_type=TEST_EVENT, recipient=recipient, language=language,
                     payload={"event_type": event_type}, idempotency_key=f"notification-test:{uuid.uuid4().hex}",
                     subject_ref=f"notification-test:{event_type}")
        # Audited against the saved text when there is one, else against the event type alone (no row).
        text = NotificationTemplate.objects.filter(event_type=event_type, language=language).first()
        audit_record(actor=actor, action="notification_text.test_sent", obj=text or _NoText(),
                     after={"event_type": event_type, "language": language, "recipient": recipient})


class _NoText:
    class _meta:  # noqa: N801  (what audit_record reads of a model)
        model_name = "notificationtemplate"

    pk = 0
