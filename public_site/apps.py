from django.apps import AppConfig

# Rows written alongside a change that pages do show (a booking writes its audit entry, its client, its slot
# claims): signalling them too would only repeat the same invalidation several times per booking.
NOT_SHOWN_ON_PAGES = {
    "booking_core.auditentry", "booking_core.slotclaim", "booking_core.client",
    "programmes.allocationlogentry", "programmes.allocationrun",
}


class PublicSiteConfig(AppConfig):
    name = "public_site"
    verbose_name = "Public site"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from public_site.page_cache import pages_changed

        def forget_pages(**kwargs):
            pages_changed()

        # Programme decisions write places, sign-ups and groups in bulk, without signals: they publish
        # events.ProgrammeChanged instead, handled as listed in booking_core/event_handlers.py.

        # Cache invalidation only: any committed change to a tenant's booking data (bookings, offers,
        # sessions, staff calendars, the catalogue, programmes) retires the cached browsing pages of that tenant.
        booking_apps = [config for config in apps.get_app_configs() if config.name.split(".")[0] == "booking_core"]
        for model in [model for config in booking_apps for model in config.get_models()]:
            label = model._meta.label_lower
            if label in NOT_SHOWN_ON_PAGES:
                continue
            post_save.connect(forget_pages, sender=model, weak=False, dispatch_uid=f"public-pages-save-{label}")
            post_delete.connect(forget_pages, sender=model, weak=False, dispatch_uid=f"public-pages-delete-{label}")
            for relation in model._meta.local_many_to_many:
                through = relation.remote_field.through
                m2m_changed.connect(forget_pages, sender=through, weak=False,
                                    dispatch_uid=f"public-pages-m2m-{through._meta.label_lower}")
