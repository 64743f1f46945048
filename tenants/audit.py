"""The public schema's audit log: every change to organisations, domains, memberships and API keys."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile

from tenants.models import PlatformAuditEntry


def field_values(instance, names=None) -> dict:
    """The record's stored values (JSON-ready), all concrete fields or only `names`."""
    values = {field.attname: field.value_from_object(instance) for field in instance._meta.concrete_fields
              if names is None or field.name in names or field.attname in names}
    values = {name: value.name if isinstance(value, FieldFile) else value for name, value in values.items()}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def changes_between(before: dict | None, after: dict | None) -> dict:
    """{field: [before, after]} for the fields whose value differs."""
    before, after = before or {}, after or {}
    return {name: [before.get(name), after.get(name)] for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)}


def platform_audit_record(*, actor, action: str, obj, tenant_id: int | None = None, before: dict | None = None,
                          after: dict | None = None) -> PlatformAuditEntry:
    """Write one entry; call it inside the transaction of the change it describes. `actor` is the user who
    acted, or None for the platform itself (sign-up, provisioning, jobs)."""
    user_id = getattr(actor, "pk", None)
    label = getattr(actor, "email", None) or str(actor or "system")
    return PlatformAuditEntry.objects.create(
        actor_user_id=user_id, actor_label=label[:200], action=action, object_type=obj._meta.model_name,
        object_id=obj.pk, object_label=str(obj)[:300], tenant_id=tenant_id,
        changes=changes_between(before, after))
