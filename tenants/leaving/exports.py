"""The export zip: one JSON and one CSV file per model of the organisation's schema, plus its public rows
(the organisation's settings, its domains, its members without any password), written row by row.

Rows are streamed from a server-side cursor into the zip entry being written, so memory stays flat whatever
the organisation's size. Run it with the connection on the organisation's schema (the worker's tenant
middleware does); the tenants app knows the booking domain only through settings.TENANT_APPS.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from tenants.audit import field_values
from tenants.models import Domain, Membership, Tenant

CHUNK_ROWS = 2000
MEMBER_FIELDS = ["id", "user_id", "user__email", "role", "created_at", "updated_at"]


def tenant_models() -> list:
    """Every model whose table lives in the organisation's schema only (apps in TENANT_APPS and not shared),
    many-to-many tables included, in a stable order."""
    tenant_only = [name for name in settings.TENANT_APPS if name not in settings.SHARED_APPS]
    configs = [config for config in apps.get_app_configs() if config.name in tenant_only]
    models = [model for config in configs for model in config.get_models(include_auto_created=True)]
    return sorted(models, key=lambda model: model._meta.label_lower)


@dataclass
class ExportSummary:
    rows_by_entry: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_entry.values())


def _json_line(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return _json_line(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _write_table(archive: zipfile.ZipFile, base_name: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """`<base_name>.json` (a list of objects) and `<base_name>.csv` (a header row, then one row a line);
    `rows` is iterated twice (make it a re-runnable query) and never held whole."""
    count = 0
    with io.TextIOWrapper(archive.open(f"{base_name}.json", "w", force_zip64=True), encoding="utf-8") as out:
        out.write("[")
        for count, row in enumerate(rows, start=1):
            out.write(("\n" if count == 1 else ",\n") + _json_line(dict(zip(columns, row, strict=True))))
        out.write("\n]\n" if count else "]\n")
    with io.TextIOWrapper(archive.open(f"{base_name}.csv", "w", force_zip64=True), encoding="utf-8",
                          newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
    return count


class _Rows:
    """A query iterated anew each time, in primary-key order, from a server-side cursor."""

    def __init__(self, queryset, columns: list[str]):
        self.queryset, self.columns = queryset, columns

    def __iter__(self) -> Iterator[tuple]:
        return self.queryset.order_by("pk").values_list(*self.columns).iterator(chunk_size=CHUNK_ROWS)


def export_write(*, tenant: Tenant, target) -> ExportSummary:
    """Write the organisation's zip to `target` (a path or a binary file); returns how many rows went in."""
    summary = ExportSummary()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for model in tenant_models():
            columns = [model_field.attname for model_field in model._meta.concrete_fields]
            name = f"data/{model._meta.label_lower}"
            summary.rows_by_entry[name] = _write_table(archive, name, columns, _Rows(model._base_manager.all(),
                                                                                       columns))
        members = Membership.objects.filter(tenant=tenant)
        summary.rows_by_entry["organisation/members"] = _write_table(
            archive, "organisation/members", ["id", "user_id", "email", "role", "created_at", "updated_at"],
            _Rows(members, MEMBER_FIELDS))
        domain_columns = ["id", "domain", "is_primary", "created_at"]
        summary.rows_by_entry["organisation/domains"] = _write_table(
            archive, "organisation/domains", domain_columns, _Rows(Domain.objects.filter(tenant=tenant),
                                                                   domain_columns))
        settings_values = field_values(tenant)
        archive.writestr("organisation/organisation.json", _json_line(settings_values) + "\n")
        manifest = {
            "organisation": tenant.display_name, "subdomain": tenant.slug, "exported_at": timezone.now(),
            "files": {name: {"rows": rows, "json": f"{name}.json", "csv": f"{name}.csv"}
                      for name, rows in summary.rows_by_entry.items()},
        }
        archive.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2) + "\n")
    return summary
