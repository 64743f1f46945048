from django.apps import AppConfig

# Rows written alongside a change that pages do show (a booking writes its audit entry, its client, its slot
# claims): signalling them too would only repeat the same invalidation several times per booking.
NOT_SHOWN_ON_PAGES = {
    "booking_core.auditentry", "booking_core.slotclaim", "booking_core.client",
    "programmes.allocationlogentry", "programmes.allocationrun",
    # Calendar sync's bookkeeping (its busy blocks, which do change free times, are not listed here).
    "booking_core.calendarconnection", "booking_core.calendareventlink",
}


# What bookings and the rows around them change on the booking site: the pages of their service and of their staff
# member (whose time every service they serve shares). Anything else of booking_core retires every page.
SCOPED_ON_PAGES = {"booking_core.booking", "booking_core.offer", "booking_core.waitlistentry", "booking_core.session"}


def pages_scopes_of(instance) -> list[str] | None:
    """The page-cache scopes a changed row touches, or None for all of the tenant's pages."""
    from public_site.page_cache import service_scope, staff_scope

    if instance is None or instance._meta.label_lower not in SCOPED_ON_PAGES:
        return None
    scopes = [service_scope(instance.service_id)]
    if getattr(instance, "staff_id", None) is not None:
        scopes.append(staff_scope(instance.staff_id))
    return scopes


class PublicSiteConfig(AppConfig):
    name = "public_site"
    verbose_name = "Public site"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from public_site.page_cache import pages_changed

        def forget_pages(sender, instance=None, **kwargs):
            pages_changed(pages_scopes_of(instance))

        # Programme decisions write places, sign-ups and groups in bulk, without signals: they publish
        # events.ProgrammeChanged instead, handled as listed in booking_core/event_handlers.py.

        # Cache invalidation only: a committed change to a booking, an offer, a waitlist entry or a session retires
        # the cached pages of its service and staff member; any other change to a tenant's booking data (staff
        # calendars, the catalogue, programmes) retires all of that tenant's cached browsing pages.
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
