"""Reading configuration from environment variables (12-factor).

Everything the settings module needs from the environment goes through here,
so that parsing rules (booleans, lists, URLs) are defined once and tested.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean the default (an empty value in a manifest is a slip)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str) -> dict:
    """Turn postgres://user:password@host:port/name?option=value into a DATABASES entry.

    A unix socket directory may be given as the host (percent-encoded) or as `?host=/path`.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, got scheme {parts.scheme!r}")
    options = dict(parse_qsl(parts.query))
    host = unquote(parts.hostname or "") if parts.hostname else ""
    if "%2f" in parts.netloc.lower():
        host = unquote(parts.netloc.rsplit("@", 1)[-1])
    host = options.pop("host", host)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://host/allot")
    return {
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


def database_url_for(settings_dict: dict, *, name: str | None = None) -> str:
    """The inverse of parse_database_url, used to hand a connection to a child process."""
    from urllib.parse import quote, urlencode

    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    query = dict(settings_dict.get("OPTIONS") or {})
    if host.startswith("/"):
        query["host"] = host
        netloc = credentials
    else:
        netloc = f"{credentials}{host}{':' + str(port) if port else ''}"
    database = quote(name or settings_dict["NAME"])
    suffix = f"?{urlencode(query)}" if query else ""
    return f"postgresql://{netloc}/{database}{suffix}"


_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def parse_email_url(url: str) -> dict:
    """Turn EMAIL_URL into Django EMAIL_* settings.

    smtp://user:password@host:587?tls=1, smtps://host:465, console://, file:///path, memory://, dummy://
    """
    parts = urlsplit(url)
    if parts.scheme not in _EMAIL_BACKENDS:
        known = ", ".join(sorted(_EMAIL_BACKENDS))
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {known}, got {parts.scheme!r}")
    options = dict(parse_qsl(parts.query))
    config = {"EMAIL_BACKEND": _EMAIL_BACKENDS[parts.scheme]}
    if parts.scheme in {"smtp", "smtps"}:
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=options.get("tls", "0").lower() in _TRUE,
            EMAIL_TIMEOUT=int(options.get("timeout", "10")),
        )
    elif parts.scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    return config
