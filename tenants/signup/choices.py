"""What the sign-up form offers: time zones, countries and currencies."""

from __future__ import annotations

import functools
import zoneinfo

from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "Europe/Budapest"

# Countries Allot sells in (ISO 3166-1 alpha-2); names are translated and sorted in the page's language.
COUNTRIES = {
    "AT": _("Austria"), "AU": _("Australia"), "BE": _("Belgium"), "BG": _("Bulgaria"), "CA": _("Canada"),
    "CH": _("Switzerland"), "CY": _("Cyprus"), "CZ": _("Czechia"), "DE": _("Germany"), "DK": _("Denmark"),
    "EE": _("Estonia"), "ES": _("Spain"), "FI": _("Finland"), "FR": _("France"), "GB": _("United Kingdom"),
    "GR": _("Greece"), "HR": _("Croatia"), "HU": _("Hungary"), "IE": _("Ireland"), "IS": _("Iceland"),
    "IT": _("Italy"), "LI": _("Liechtenstein"), "LT": _("Lithuania"), "LU": _("Luxembourg"), "LV": _("Latvia"),
    "MT": _("Malta"), "NL": _("Netherlands"), "NO": _("Norway"), "PL": _("Poland"), "PT": _("Portugal"),
    "RO": _("Romania"), "RS": _("Serbia"), "SE": _("Sweden"), "SI": _("Slovenia"), "SK": _("Slovakia"),
    "UA": _("Ukraine"), "US": _("United States"),
}
# ISO 4217 codes of the currencies prices can be in.
CURRENCIES = {
    "EUR": _("euro"), "HUF": _("Hungarian forint"), "CHF": _("Swiss franc"), "GBP": _("pound sterling"),
    "USD": _("US dollar"), "CZK": _("Czech koruna"), "PLN": _("Polish złoty"), "RON": _("Romanian leu"),
    "SEK": _("Swedish krona"), "DKK": _("Danish krone"), "NOK": _("Norwegian krone"), "CAD": _("Canadian dollar"),
    "AUD": _("Australian dollar"),
}
# What a page in each language suggests before the visitor chooses.
SUGGESTED = {"hu": ("HU", "HUF"), "de": ("DE", "EUR"), "en": ("", "EUR")}


@functools.lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """The IANA zones people live in (no Etc/, SystemV/ or other legacy aliases), sorted, plus UTC."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/", "posix/", "right/")
    names = {name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(legacy)}
    return (*sorted(names), "UTC")


def country_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(name)) for code, name in COUNTRIES.items()), key=lambda choice: choice[1])


def currency_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} · {name}") for code, name in CURRENCIES.items()]
