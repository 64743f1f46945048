from __future__ import annotations

from booking_core.acting import Actor
from booking_core.models import AuditEntry
from booking_core.webhooks.events import events_publish_for_audit


def audit_record(
    *, actor: Actor, action: str, obj, before: dict | None = None, after: dict | None = None
) -> AuditEntry:
    """Write one audit entry; call it inside the transaction of the change it describes. Changes that
    organisations hear about by webhook become events here, in the same transaction."""
    entry = AuditEntry.objects.create(
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:200],
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        before=before,
        after=after,
    )
    events_publish_for_audit(entry, obj)
    return entry
