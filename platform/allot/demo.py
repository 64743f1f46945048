"""Demo data for `make up`: platform staff, two organisations and their example records. Idempotent."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_tenants.utils import tenant_context

from tenants.models import Membership, Tenant
from tenants.services import membership_add, tenant_create

DEMO_PASSWORD = "allot-demo-2026"

DEMO_TENANTS = [
    {
        "slug": "demo",
        "display_name": "Demo Studio",
        "timezone": "Europe/Budapest",
        "default_language": "en",
        "primary_colour": "#2457d6",
        "button_style": "rounded",
        "owner": "owner@demo.test",
        "staff": "staff@demo.test",
    },
    {
        "slug": "acme",
        "display_name": "Acme Úszóiskola",
        "timezone": "Europe/Budapest",
        "default_language": "hu",
        "primary_colour": "#0f8a5f",
        "button_style": "pill",
        "owner": "owner@acme.test",
        "staff": "staff@acme.test",
    },
]
PLATFORM_STAFF_EMAIL = "staff@allot.test"
# Platform staff need a second factor for the root domain's admin. The demo staff member's authenticator has
# this known secret (base32: add it to an authenticator app, or `oathtool --totp -b <secret>`), and recovery
# codes that `make up` prints. Demo data only.
DEMO_STAFF_TOTP_SECRET = "ALLOTDEMOSTAFFTOTPSECRETKEY23456"



def _verified_user(email: str, *, is_staff: bool = False):
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model.objects.create_user(email=email, password=DEMO_PASSWORD, is_staff=is_staff,
                                              is_superuser=is_staff)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _second_factor(user) -> tuple[str, list[str]]:
    """Give the demo staff member an authenticator with the known secret and recovery codes (once); returns the
    otpauth address of the authenticator and the recovery codes not used yet."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)
    recovery_codes = RecoveryCodes.activate(user)
    return get_adapter().build_totp_url(user, DEMO_STAFF_TOTP_SECRET), recovery_codes.get_unused_codes()


def _seed_apps(tenant: Tenant) -> None:
    """Every installed app may add example records for a demo tenant: a module `<app>.demo` with seed(tenant),
    run in the tenant's schema in the order of INSTALLED_APPS (the platform names no app)."""
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        with tenant_context(tenant):
            module.seed(tenant)


@transaction.atomic
def seed_demo(*, port: int = 8000) -> str:
    totp_url, recovery_codes = _second_factor(_verified_user(PLATFORM_STAFF_EMAIL, is_staff=True))
    lines = []
    for spec in DEMO_TENANTS:
        owner = _verified_user(spec["owner"])
        tenant = Tenant.objects.filter(slug=spec["slug"]).first()
        if tenant is None:
            tenant = tenant_create(
                slug=spec["slug"],
                display_name=spec["display_name"],
                owner=owner,
                timezone=spec["timezone"],
                default_language=spec["default_language"],
                primary_colour=spec["primary_colour"],
                button_style=spec["button_style"],
            )
        membership_add(tenant=tenant, user=_verified_user(spec["staff"]), role=Membership.Role.STAFF)
        _seed_apps(tenant)
        lines.append((tenant, spec))

    root = settings.ALLOT_ROOT_DOMAIN
    suffix = "" if port == 80 else f":{port}"
    out = [
        "",
        "Allot is running:",
        f"  root domain        http://{root}{suffix}/            (staff admin: http://{root}{suffix}/admin/)",
    ]
    for tenant, _spec in lines:
        host = f"{tenant.slug}.{root}"
        out.append(f"  {tenant.display_name:<18} http://{host}{suffix}/   "
                   f"(back office: http://{host}{suffix}/office/, admin: /admin/)")
    out += [
        "", f"Logins (password for all: {DEMO_PASSWORD}):",
        f"  platform staff     {PLATFORM_STAFF_EMAIL}, then a second factor: a code from an authenticator app with",
        f"                     the secret {DEMO_STAFF_TOTP_SECRET} ({totp_url}),",
        f"                     or a recovery code (each works once): {' '.join(recovery_codes[:3]) or 'none left'}",
    ]
    for tenant, spec in lines:
        out.append(f"  {tenant.slug} owner / staff  {spec['owner']} / {spec['staff']}")
    out.append(f"  API docs           http://demo.{root}{suffix}/api/docs/")
    return "\n".join(out)
