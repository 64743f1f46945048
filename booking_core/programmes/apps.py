from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "booking_core.programmes"
    label = "programmes"
    verbose_name = "Programmes"

    def ready(self):
        from allot.jobs.registry import tenant_job_register
        from booking_core.programmes import emails  # noqa: F401  (registers the programme email renderers)
        from booking_core.programmes.due import programmes_next_due
        from booking_core.programmes.jobs import programmes_tick
        from booking_core.programmes.selectors import email_took_a_place_offer
        from booking_core.public_limits import confirmation_check_register

        # An accepted place offer proves an address reads its mail: no hourly cap on its sign-ups and bookings.
        confirmation_check_register(email_took_a_place_offer)

        # In a tenant when the due-work index says so (allot.jobs.due), recorded under this name.
        tenant_job_register("programmes.tick", programmes_tick, next_due=programmes_next_due)
