"""Tenant content in English, Hungarian and German, with a fallback to the tenant's default language."""

from __future__ import annotations

from django.db import connection
from django.utils import translation

LANGUAGES = ("en", "hu", "de")


def tenant_default_language() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "default_language", None) or "en"


def pick_translation(values: dict[str, str], language: str | None = None) -> str:
    """The text in `language` (default: the active one), else the tenant's default, else any."""
    language = (language or translation.get_language() or "en")[:2]
    for candidate in (language, tenant_default_language(), "en", *LANGUAGES):
        text = values.get(candidate)
        if text:
            return text
    return ""


class TranslatedFieldsMixin:
    """Models with `<field>_en`, `<field>_hu`, `<field>_de` columns get `translated("<field>")`."""

    def translated(self, field: str, language: str | None = None) -> str:
        return pick_translation({code: getattr(self, f"{field}_{code}", "") for code in LANGUAGES}, language)
