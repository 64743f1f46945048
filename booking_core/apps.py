from django.apps import AppConfig


class BookingCoreConfig(AppConfig):
    name = "booking_core"
    verbose_name = "Bookings"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from allot.jobs.registry import tenant_job_register
        from booking_core import event_handlers, events
        from booking_core.api.fields import model_serializers_use_bounded_fields
        from booking_core.calendar_sync.services import calendar_sync_due, calendar_sync_next_due
        from booking_core.messages import (  # noqa: F401  (register the email renderers)
            booking_emails,
            sample_emails,
            waitlist_emails,
        )
        from booking_core.messages.reminders import reminders_dispatch, reminders_next_due
        from booking_core.models import FormField, Service, StaffMember
        from booking_core.selectors.catalogue import catalogue_changed
        from booking_core.waitlist.due import waitlist_next_due
        from booking_core.waitlist.jobs import waitlist_offers_expire
        from booking_core.webhooks import emails as webhook_emails  # noqa: F401  (registers the owners' email)
        from booking_core.webhooks.channel import webhook_channel_register

        # Dates and times sent to any ModelSerializer are bounded and read in the tenant's zone (api/fields.py).
        model_serializers_use_bounded_fields()

        # Webhook deliveries go through the outbox on a queue of their own (booking_core/webhooks).
        webhook_channel_register()

        # Who handles which domain event: the table in booking_core/event_handlers.py.
        events.handlers_connect(event_handlers.HANDLERS)

        # Run in a tenant when the due-work index says so (allot.jobs.due); the names are what job runs are
        # recorded as, the next_due functions how a run finds when the job is next due there.
        tenant_job_register("bookings.reminders", reminders_dispatch, next_due=reminders_next_due)
        tenant_job_register("waitlist.offers_expire", waitlist_offers_expire, next_due=waitlist_next_due)
        # Connected calendars: push changed bookings, pull busy times (due every minute while one is connected).
        tenant_job_register("calendar.sync", calendar_sync_due, next_due=calendar_sync_next_due)

        def forget_catalogue(**kwargs):
            catalogue_changed()

        # Cache invalidation only: the catalogue cached per process must follow every committed change.
        for model in (Service, FormField, StaffMember):
            post_save.connect(forget_catalogue, sender=model, weak=False, dispatch_uid=f"catalogue-save-{model}")
            post_delete.connect(forget_catalogue, sender=model, weak=False, dispatch_uid=f"catalogue-del-{model}")
        m2m_changed.connect(forget_catalogue, sender=StaffMember.services.through, weak=False,
                            dispatch_uid="catalogue-staff-services")
