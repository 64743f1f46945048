from django.apps import AppConfig


class BookingCoreConfig(AppConfig):
    name = "booking_core"
    verbose_name = "Bookings"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from allot.jobs.registry import tenant_job_register
        from booking_core import event_handlers, events
        from booking_core.api.fields import model_serializers_use_bounded_fields
        from booking_core.calendar_sync.services import calendar_sync_due
        from booking_core.messages import booking_emails, waitlist_emails  # noqa: F401  (register the email renderers)
        from booking_core.messages.reminders import reminders_dispatch
        from booking_core.models import FormField, Service, StaffMember
        from booking_core.selectors.catalogue import catalogue_changed
        from booking_core.waitlist.jobs import waitlist_offers_expire

        # Dates and times sent to any ModelSerializer are bounded and read in the tenant's zone (api/fields.py).
        model_serializers_use_bounded_fields()

        # Who handles which domain event: the table in booking_core/event_handlers.py.
        events.handlers_connect(event_handlers.HANDLERS)

        # Run every minute in every active tenant (allot.jobs); the names are what job runs are recorded as.
        tenant_job_register("bookings.reminders", reminders_dispatch)
        tenant_job_register("waitlist.offers_expire", waitlist_offers_expire)
        # Connected calendars: push changed bookings, pull busy times (one query when none is connected).
        tenant_job_register("calendar.sync", calendar_sync_due)

        def forget_catalogue(**kwargs):
            catalogue_changed()

        # Cache invalidation only: the catalogue cached per process must follow every committed change.
        for model in (Service, FormField, StaffMember):
            post_save.connect(forget_catalogue, sender=model, weak=False, dispatch_uid=f"catalogue-save-{model}")
            post_delete.connect(forget_catalogue, sender=model, weak=False, dispatch_uid=f"catalogue-del-{model}")
        m2m_changed.connect(forget_catalogue, sender=StaffMember.services.through, weak=False,
                            dispatch_uid="catalogue-staff-services")
