"""Submitting Django admin pages in tests as a browser would: every field of the page's form and inlines."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _field_value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (list, tuple)):
        return [str(item.pk if hasattr(item, "pk") else item) for item in value]
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def _form_data(form) -> dict:
    data = {}
    for bound_field in form:
        raw = bound_field.value()
        if isinstance(raw, dt.datetime):  # the admin's split date and time inputs, in the current time zone
            local = timezone.localtime(raw) if timezone.is_aware(raw) else raw
            data[f"{bound_field.html_name}_0"] = local.date().isoformat()
            data[f"{bound_field.html_name}_1"] = local.strftime("%H:%M:%S")
            continue
        value = _field_value(bound_field)
        if bound_field.field.widget.__class__.__name__ in ("CheckboxInput",) and not value:
            continue  # an unchecked box is not sent
        if hasattr(bound_field.field.widget, "widgets") and not isinstance(value, list):
            # split date/time widgets (admin datetimes): field_0 date, field_1 time
            parts = value.split(" ", 1) if value else ["", ""]
            for index, part in enumerate(parts + [""] * (2 - len(parts))):
                data[f"{bound_field.html_name}_{index}"] = part
            continue
        data[bound_field.html_name] = value
    return data


def admin_form_data(response) -> dict:
    """The POST data that submitting the admin add/change page in `response` unchanged would send."""
    # The admin shows and reads times in the default time zone (it does not switch to the tenant's).
    with timezone.override(timezone.get_default_timezone()):
        return _page_data(response)


def _page_data(response) -> dict:
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = str(management[name].value())
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def inline_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    """`data` with `rows` appended as new rows of the inline `prefix`."""
    data = dict(data)
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{start + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(rows))
    return data
