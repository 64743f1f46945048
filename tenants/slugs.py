"""Which subdomains an organisation may have: one set of rules for the sign-up form, the check as you type
and `tenant_create`.

A slug is the organisation's subdomain label (`<slug>.<root domain>`): lowercase letters, digits and
hyphens, not starting or ending with a hyphen, 3 to 63 characters (a DNS label holds 63). Names the
platform uses or may use itself are reserved, and so is every slug shorter than 3 characters.
"""

from __future__ import annotations

import enum
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 63
RESERVED_SLUGS = frozenset({
    "www", "api", "admin", "app", "static", "media", "mail", "console", "status", "help", "support", "billing",
    "signup", "accounts", "office", "public", "template", "tenant-template", "smtp", "ftp", "ns1", "ns2",
})
_SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


class SlugProblem(enum.Enum):
    INVALID = "invalid"
    RESERVED = "reserved"
    TAKEN = "taken"


SLUG_PROBLEM_MESSAGES = {
    SlugProblem.INVALID: _("Use lowercase letters, digits and hyphens (not at the start or end), at most 63."),
    SlugProblem.RESERVED: _("This subdomain is reserved. Please choose another."),
    SlugProblem.TAKEN: _("This subdomain is taken. Please choose another."),
}


def slug_normalise(value: str | None) -> str:
    return (value or "").strip().lower()


def slug_form_problem(slug: str) -> SlugProblem | None:
    """What is wrong with the slug by itself (no database): invalid or reserved, else None."""
    if len(slug) > SLUG_MAX_LENGTH or not _SLUG_PATTERN.match(slug):
        return SlugProblem.INVALID
    if len(slug) < SLUG_MIN_LENGTH or slug in RESERVED_SLUGS:
        return SlugProblem.RESERVED
    return None


def slug_host(slug: str) -> str:
    """The organisation's host name on the platform (as the demo seed and `tenant_create` build it)."""
    return f"{slug}.{settings.ALLOT_ROOT_DOMAIN}"


def slug_problem(slug: str) -> SlugProblem | None:
    """What is wrong with the slug, also whether an organisation has it already (its row or its host)."""
    from tenants.models import Domain, Tenant

    problem = slug_form_problem(slug)
    if problem is not None:
        return problem
    if Tenant.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=slug_host(slug)).exists():
        return SlugProblem.TAKEN
    return None


def validate_slug(value: str) -> None:
    """Model field validator: the rules without the database."""
    problem = slug_form_problem(value)
    if problem is not None:
        raise ValidationError(SLUG_PROBLEM_MESSAGES[problem], code=problem.value)
