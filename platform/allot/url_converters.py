"""Path converters shared by the booking site and the API (registered when this module is imported)."""

from django.urls import register_converter


class SecretTokenConverter:
    """The secret in an emailed link (`secrets.token_urlsafe(24)`, 32 characters; at most 64 are stored).
    Anything else, a NUL byte included, is a 404 at routing instead of a query PostgreSQL refuses."""

    regex = "[A-Za-z0-9_-]{8,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SecretTokenConverter, "token")
