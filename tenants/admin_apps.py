"""The root domain's admin site is `tenants.admin_site.PlatformAdminSite` (its login is allauth's and it
requires a second factor): `django.contrib.admin` installed through this configuration."""

from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.PlatformAdminSite"
