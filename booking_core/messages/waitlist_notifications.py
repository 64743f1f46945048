"""What waitlisted clients are told, written to the outbox inside the transaction of the change.

Rendered by booking_core.messages.waitlist_emails in the worker, in the language the client joined in.
"""

from __future__ import annotations

from allot.outbox.services import outbox_write as _outbox_write
from booking_core.messages.custom import switched_off
from booking_core.models import Offer, WaitlistEntry

WAITLIST_JOINED = "waitlist.joined"
OFFER_SENT = "waitlist.offer"
OFFER_EXPIRED = "waitlist.offer_expired"
OFFER_WITHDRAWN = "waitlist.offer_withdrawn"
SESSION_CANCELLED = "waitlist.session_cancelled"


def outbox_write(*, event_type: str, **message) -> None:
    """Write the message unless the organisation switched its event type off."""
    if not switched_off(event_type):
        _outbox_write(event_type=event_type, **message)


def entry_ref(entry: WaitlistEntry) -> str:
    return f"waitlist:{entry.pk}"


def notify_waitlist_joined(entry: WaitlistEntry) -> None:
    outbox_write(event_type=WAITLIST_JOINED, recipient=entry.client.email, language=entry.language,
                 payload={"entry_id": entry.pk}, idempotency_key=f"{entry_ref(entry)}:joined",
                 subject_ref=entry_ref(entry))


def notify_offer_sent(offer: Offer, entry: WaitlistEntry) -> None:
    outbox_write(event_type=OFFER_SENT, recipient=entry.client.email, language=entry.language,
                 payload={"entry_id": entry.pk, "offer_id": offer.pk}, idempotency_key=f"offer:{offer.pk}:sent",
                 subject_ref=entry_ref(entry))


def notify_offer_expired(offer: Offer, entry: WaitlistEntry) -> None:
    outbox_write(event_type=OFFER_EXPIRED, recipient=entry.client.email, language=entry.language,
                 payload={"entry_id": entry.pk, "offer_id": offer.pk}, idempotency_key=f"offer:{offer.pk}:expired",
                 subject_ref=entry_ref(entry))


def notify_offer_withdrawn(offer: Offer, entry: WaitlistEntry) -> None:
    """A sent offer was taken back by the organisation: the client keeps waiting and should not try to accept."""
    outbox_write(event_type=OFFER_WITHDRAWN, recipient=entry.client.email, language=entry.language,
                 payload={"entry_id": entry.pk, "offer_id": offer.pk}, idempotency_key=f"offer:{offer.pk}:withdrawn",
                 subject_ref=entry_ref(entry))


def notify_session_cancelled(entry: WaitlistEntry, *, reason: str) -> None:
    outbox_write(event_type=SESSION_CANCELLED, recipient=entry.client.email, language=entry.language,
                 payload={"entry_id": entry.pk, "reason": reason},
                 idempotency_key=f"{entry_ref(entry)}:session_cancelled", subject_ref=entry_ref(entry))
