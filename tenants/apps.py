from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organisations"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from tenants import middleware, resolution
        from tenants.leaving import emails as leaving_emails  # noqa: F401  (registers the leaving emails' renderers)
        from tenants.members import emails as member_emails  # noqa: F401  (registers the invitation renderer)
        from tenants.models import Domain, Tenant
        from tenants.signup import emails  # noqa: F401  (registers the email confirmation renderer)

        def forget_cached_tenancy(**kwargs):
            resolution.forget_after_commit()

        for model in (Tenant, Domain):
            post_save.connect(
                forget_cached_tenancy, sender=model, weak=False, dispatch_uid=f"forget-tenancy-save-{model.__name__}"
            )
            post_delete.connect(
                forget_cached_tenancy, sender=model, weak=False, dispatch_uid=f"forget-tenancy-delete-{model.__name__}"
            )
        user_logged_in.connect(middleware.bind_session_to_tenant, dispatch_uid="bind-session-to-tenant")
