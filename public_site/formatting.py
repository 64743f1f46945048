"""Prices and durations as each language writes them (dates and times use Django's locale formats)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import numberformat, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Currencies written with a symbol; others with their ISO code. Placement follows the language.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
LOCAL_SYMBOLS = {("hu", "HUF"): "Ft"}
# ISO 4217 currencies without minor units in everyday use.
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "ISK"}
SYMBOL_FIRST_LANGUAGES = {"en"}
NO_BREAK_SPACE = "\u00a0"


def format_price(amount_minor: int, currency: str, language: str | None = None) -> str:
    """`2500, "EUR"` -> "€25" (en), "25 €" (hu, de); cents only when there are some: "€25.50", "25,50 €";
    `1500000, "HUF"` -> "HUF 15,000" (en), "15 000 Ft" (hu), "15.000 HUF" (de).

    0 is "Free". Amounts are minor units (cents, fillér).
    """
    language = (language or translation.get_language() or "en")[:2]
    with translation.override(language):
        if not amount_minor:
            return _("Free")
        decimals = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
        value = Decimal(amount_minor) / (10**decimals)
        shown_decimals = 0 if value == value.to_integral_value() else decimals
        number = numberformat.format(
            value, get_format("DECIMAL_SEPARATOR", language), decimal_pos=shown_decimals,
            grouping=get_format("NUMBER_GROUPING", language), thousand_sep=get_format("THOUSAND_SEPARATOR", language),
            force_grouping=True,
        )
    symbol = LOCAL_SYMBOLS.get((language, currency)) or CURRENCY_SYMBOLS.get(currency) or currency
    if language in SYMBOL_FIRST_LANGUAGES:
        separator = "" if currency in CURRENCY_SYMBOLS else NO_BREAK_SPACE
        return f"{symbol}{separator}{number}"
    return f"{number}{NO_BREAK_SPACE}{symbol}"


def format_duration(minutes: int) -> str:
    """90 -> "1 h 30 min" in the active language."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        return ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": rest}
